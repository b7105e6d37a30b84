import t from 'tap';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { bind, compile, COMPILED_CACHE_SIZE, parse, QueryError, tableSchema, toSqlBound, type Env, type Row } from './index.ts';
import { fixtureSchema as schema, fixtureSqlContext, guestEnv } from './test-fixture.ts';

const user: Env = { auth: { id: 'u1', role: 'admin', data: { plan: 'pro' } }, now: '2024-05-01T12:00:00.000Z' };
const users: Record<string, Row> = { u1: { id: 'u1', role: 'admin' }, u2: { id: 'u2', role: 'user' } };
const related = (collection: string, id: string) => (collection === 'users' && Object.hasOwn(users, id) ? users[id] : undefined);
const row: Row = { id: 'p1', title: 'Hello', count: 3, published: true, author: 'u1', editors: ['u2'], tags: ['a'] };

// Each row: a source over the fixture's posts; what the inspections say of it
// (relation paths as "field>target" hops joined by "/"); and its answer on `row`
// for a guest and for `user`, with related records found.
const cases: Array<{ source: string; relations: string[]; auth: boolean; fields?: false; guest: boolean; user: boolean }> = [
  { source: "title = 'Hello'", relations: [], auth: false, guest: true, user: true },
  { source: 'auth.id != null && author = auth.id', relations: [], auth: true, guest: false, user: true },
  { source: 'auth.id != null && auth.id = id', relations: [], auth: true, guest: false, user: false },
  { source: "author.role = 'admin'", relations: ['author>users'], auth: false, guest: true, user: true },
  { source: "editors.role = 'user' || parent.author.role = 'x'", relations: ['editors>users', 'parent>posts/author>users'], auth: false, guest: true, user: true },
  { source: "!(title = 'a' || (length(author.id) > 0) = true)", relations: ['author>users'], auth: false, guest: false, user: false },
  { source: "lower(title) = 'hello' && auth.data.plan = 'pro'", relations: [], auth: true, guest: false, user: true },
  { source: "(auth.role = 'admin') = published", relations: [], auth: true, guest: false, user: true },
  { source: "'a' in tags && count >= 3", relations: [], auth: false, guest: true, user: true },
  { source: 'auth.id != null', relations: [], auth: true, fields: false, guest: false, user: true },
  { source: "auth.role = 'admin' || request.data.x = 1", relations: [], auth: true, fields: false, guest: false, user: true },
  { source: "now > '2000-01-01'", relations: [], auth: false, fields: false, guest: true, user: true },
  { source: '', relations: [], auth: false, fields: false, guest: true, user: true },
];

/** The request values a source names, once each, in order (what envPaths must list). */
function envPathsOf(source: string): string[] {
  return [...new Set(source.match(/\b(auth(\.\w+)+|request(\.\w+)+|now)\b/g) ?? [])];
}

const query = (dialect: 'sqlite' | 'postgres', obj: SQL) => (dialect === 'sqlite' ? new SQLiteSyncDialect() : new PgDialect()).sqlToQuery(obj);

for (const c of cases) {
  t.test(c.source || '(empty)', async (t) => {
    const compiled = compile(schema, 'posts', c.source);
    t.same(compiled.relationPaths.map((hops) => hops.map((h) => `${h.field}>${h.target}`).join('/')), c.relations, 'relation paths');
    t.equal(compiled.readsRelations, c.relations.length > 0, 'readsRelations');
    t.equal(compiled.readsAuth, c.auth, 'readsAuth');
    t.equal(compiled.readsFields, c.fields ?? true, 'readsFields');
    t.same(compiled.envPaths.map((p) => p.join('.')), envPathsOf(c.source), 'envPaths');
    t.ok(compiled.envKey(guestEnv) !== compiled.envKey(user) || c.guest === c.user, 'equal envKeys, equal answers');
    t.equal(compiled.evaluate(row, guestEnv, related), c.guest, 'guest');
    t.equal(compiled.evaluate(row, user, related), c.user, 'user');
    // The SQL is the compiler's own, for the schema and collection it was compiled against.
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const { schema: _s, collection: _c, ...rest } = fixtureSqlContext(dialect, user);
      const expected = toSqlBound(bind(parse(c.source), { schema, collection: 'posts' }), fixtureSqlContext(dialect, user));
      t.same(query(dialect, compiled.toSql(rest)), query(dialect, expected), dialect);
    }
  });
}

t.test('the cache: one compilation per schema, collection and source', async (t) => {
  const a = compile(schema, 'posts', "title = 'x'");
  t.equal(compile(schema, 'posts', "title = 'x'"), a, 'the same source again is the same compilation');
  t.not(compile(schema, 'users', "role = 'x'"), compile(schema, 'users', "role = 'y'"), 'another source is another');
  const other = tableSchema({ posts: { title: { type: 'text' } } });
  t.not(compile(other, 'posts', "title = 'x'"), a, 'another schema (a new catalog) compiles again');
  t.equal(compile(other, 'posts', "title = 'x'").schema, other);
});

t.test('the cache is bounded, the oldest entry going first', async (t) => {
  const own = tableSchema({ c: { n: { type: 'integer' } } });
  const first = compile(own, 'c', 'n = 0');
  for (let i = 1; i <= COMPILED_CACHE_SIZE; i++) compile(own, 'c', `n = ${i}`);
  const newest = compile(own, 'c', `n = ${COMPILED_CACHE_SIZE}`);
  t.equal(compile(own, 'c', `n = ${COMPILED_CACHE_SIZE}`), newest, 'a recent one is kept');
  t.not(compile(own, 'c', 'n = 0'), first, 'the first was evicted');
});

t.test('a source that does not compile throws QueryError every time', async (t) => {
  for (let i = 0; i < 2; i++) {
    t.throws(() => compile(schema, 'posts', 'nope = 1'), new QueryError("unknown field 'nope'", 0));
    t.throws(() => compile(schema, 'posts', 'title ='), QueryError);
  }
});

t.test('a self relation reads the same row, with no hop', async (t) => {
  const fields = { path: { type: 'text' as const }, size: { type: 'integer' as const } };
  const self = tableSchema({ root: { ...fields, object: { type: 'relation', collection: 'object', self: true } }, object: fields });
  const compiled = compile(self, 'root', "object.path = 'a/b' && size < 10");
  t.equal(compiled.readsRelations, false);
  t.equal(compiled.evaluate({ path: 'a/b', size: 3 }, guestEnv), true);
  t.equal(compiled.evaluate({ path: 'a/c', size: 3 }, guestEnv), false);
  t.throws(() => compile(self, 'root', 'object.object.path = null'), /unknown field 'object' in collection 'object'/);
});

t.test('tableSchema answers own properties only', async (t) => {
  const lookup = tableSchema({ c: { title: { type: 'text' } } });
  t.same(lookup.field('c', 'title'), { type: 'text' });
  t.equal(lookup.field('c', 'constructor'), undefined);
  t.equal(lookup.field('constructor', 'name'), undefined);
  t.equal(lookup.field('d', 'title'), undefined);
});

t.test('envKey: equal for requests whose read values are equal, different otherwise', async (t) => {
  const rule = compile(schema, 'posts', "author = auth.id && auth.role != 'x'");
  const a: Env = { auth: { id: 'u1', role: 'user', email: 'a@x' } as Env['auth'], now: '1' };
  const b: Env = { auth: { id: 'u1', role: 'user', email: 'b@x' } as Env['auth'], now: '2' };
  const c: Env = { auth: { id: 'u2', role: 'user' } as Env['auth'], now: '1' };
  t.equal(rule.envKey(a), rule.envKey(b), 'values it does not read do not count');
  t.not(rule.envKey(a), rule.envKey(c), 'another auth.id');
  t.not(rule.envKey(a), rule.envKey(guestEnv), 'a guest');
  t.equal(compile(schema, 'posts', "title = 'x'").envKey(a), '', 'reads nothing');
});
