import t from 'tap';
import { sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { PgDialect } from 'drizzle-orm/pg-core';
import { parse, toSql, type Dialect, type Env } from './index.ts';
import { fixtureSqlContext, guestEnv } from './test-fixture.ts';

const user: Env = {
  auth: { id: 'u1', email: 'a@x.io', verified: true, role: 'admin', data: { plan: 'pro', n: 3, groups: ['g1', 'g2'] } },
  request: { data: { title: 'hello' } },
  now: '2024-05-01T12:00:00.000Z',
};

function compile(source: string, dialect: Dialect, env: Env = user) {
  const obj = toSql(parse(source), fixtureSqlContext(dialect, env));
  return dialect === 'sqlite' ? new SQLiteSyncDialect().sqlToQuery(obj) : new PgDialect().sqlToQuery(obj);
}

const cases: Array<{ source: string; env?: Env; sqlite: string; postgres: string; params: unknown[]; pgParams?: unknown[] }> = [
  {
    // At the top of a WHERE, NULL acts as false: plain `=` (indexable) is exact enough.
    source: "title = 'a'",
    sqlite: '("posts"."title" = ?)',
    postgres: '("posts"."title" = $1::text)',
    params: ['a'],
  },
  {
    source: "title != 'a'",
    sqlite: '("posts"."title" is not ?)',
    postgres: '("posts"."title" is distinct from $1::text)',
    params: ['a'],
  },
  { source: 'title = null', sqlite: '("posts"."title" is null)', postgres: '("posts"."title" is null)', params: [] },
  {
    // An integer column's constants bind as bigint on PostgreSQL, so its index applies.
    source: 'count > 2',
    sqlite: '"posts"."count" > ?',
    postgres: '"posts"."count" > $1::bigint',
    params: [2],
  },
  // A fractional bound on an integer column becomes the integer bound that selects the same rows.
  { source: 'count > 1.5', sqlite: '"posts"."count" > ?', postgres: '"posts"."count" > $1::bigint', params: [1] },
  { source: 'count >= 1.5', sqlite: '"posts"."count" >= ?', postgres: '"posts"."count" >= $1::bigint', params: [2] },
  { source: 'count = 1.5', sqlite: '0', postgres: 'false', params: [] },
  { source: 'score > 2', sqlite: '"posts"."score" > ?', postgres: '"posts"."score" > $1::double precision', params: [2] },
  {
    source: "'b' <= title",
    sqlite: '("posts"."title" collate binary) >= ?',
    postgres: '("posts"."title" collate "C") >= $1::text',
    params: ['b'],
  },
  {
    source: 'published',
    sqlite: '("posts"."published" = ?)',
    postgres: '("posts"."published" = $1::boolean)',
    params: [1],
    pgParams: [true],
  },
  {
    source: "title ~ 'AbC'",
    sqlite: 'instr(lower("posts"."title"), ?) > 0',
    postgres: "strpos(translate(\"posts\".\"title\", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), $1::text) > 0",
    params: ['abc'],
  },
  {
    source: "status in ['a', null]",
    sqlite: '("posts"."status" in (?) or ("posts"."status" is null))',
    postgres: '("posts"."status" in ($1::text) or ("posts"."status" is null))',
    params: ['a'],
  },
  {
    source: 'auth.id in editors',
    sqlite: `(exists (select 1 from json_each("posts"."editors") as "__j1" where "__j1".type = 'text' and "__j1".value = ?))`,
    postgres: `((case when jsonb_typeof("posts"."editors") = 'array' then "posts"."editors" else '[]'::jsonb end) @> jsonb_build_array($1::text))`,
    params: ['u1'],
  },
  {
    source: 'author.email = auth.email',
    sqlite: '((select "__q1"."email" from "users" as "__q1" where "__q1"."id" = "posts"."author") = ?)',
    postgres: '((select "__q1"."email" from "users" as "__q1" where "__q1"."id" = "posts"."author") = $1::text)',
    params: ['a@x.io'],
  },
  // Environment-only comparisons are decided at compile time.
  { source: "auth.role = 'admin'", sqlite: '1', postgres: 'true', params: [] },
  { source: "auth.role = 'admin'", env: guestEnv, sqlite: '0', postgres: 'false', params: [] },
  { source: "auth.data.plan = 'pro' || title = 'x'", sqlite: '1', postgres: 'true', params: [] },
  // A guest's auth.id is null, so `author = auth.id` matches records without an author.
  { source: 'author = auth.id', env: guestEnv, sqlite: '("posts"."author" is null)', postgres: '("posts"."author" is null)', params: [] },
  // A runtime type mismatch compares false (and != true), without touching the column's affinity.
  { source: 'title = auth.data.n', sqlite: '0', postgres: 'false', params: [] },
  { source: 'title != auth.data.n', sqlite: '1', postgres: 'true', params: [] },
  { source: 'count < auth.data.plan', sqlite: '0', postgres: 'false', params: [] },
  {
    // Items of another type than the column can never match and are dropped.
    source: 'title in auth.data.mixed',
    env: { ...user, auth: { id: 'u1', data: { mixed: ['a', 1, true, null] } } },
    sqlite: '("posts"."title" in (?) or ("posts"."title" is null))',
    postgres: '("posts"."title" in ($1::text) or ("posts"."title" is null))',
    params: ['a'],
  },
  {
    source: 'title in auth.data.groups',
    sqlite: '"posts"."title" in (?, ?)',
    postgres: '"posts"."title" in ($1::text, $2::text)',
    params: ['g1', 'g2'],
  },
  {
    // Under NOT a NULL must read as false before it is negated: the exact forms.
    source: '!(title = request.data.title && count >= 1)',
    sqlite: '(not (("posts"."title" is ?) and coalesce("posts"."count" >= ?, 0)))',
    postgres: '(not (("posts"."title" is not distinct from $1::text) and coalesce("posts"."count" >= $2::bigint, false)))',
    params: ['hello', 1],
  },
];

t.test('compiles to parameterized SQL for both dialects', async (t) => {
  for (const c of cases) {
    const lite = compile(c.source, 'sqlite', c.env);
    t.equal(lite.sql, c.sqlite, `sqlite: ${c.source}`);
    t.same(lite.params, c.params, `sqlite params: ${c.source}`);
    const pg = compile(c.source, 'postgres', c.env);
    t.equal(pg.sql, c.postgres, `postgres: ${c.source}`);
    t.same(pg.params, c.pgParams ?? c.params, `postgres params: ${c.source}`);
  }
});

t.test('relation paths', async (t) => {
  const multi = compile("editors.role = 'admin'", 'sqlite');
  t.match(multi.sql, /^exists \(select 1 from json_each\("posts"\."editors"\) as "__j2" join "users" as "__q1" on .* where \("__q1"\."role" = \?\)\)$/);
  const two = compile("parent.author.email = 'x'", 'postgres');
  t.equal(
    two.sql,
    '((select "__q2"."email" from "users" as "__q2" where "__q2"."id" = (select "__q1"."author" from "posts" as "__q1" where "__q1"."id" = "posts"."parent")) = $1::text)',
  );
  const mixed = compile("parent.editors.email ~ 'x'", 'postgres');
  t.match(mixed.sql, /jsonb_array_elements\(\(case when jsonb_typeof\(\(select "__q1"\."editors" from "posts" as "__q1"/);
});

t.test('uses the alias and table references the caller gives', async (t) => {
  const ctx = {
    ...fixtureSqlContext('postgres', user),
    table: (c: string) => sql`${sql.identifier('proj_1')}.${sql.identifier(c)}`,
    alias: sql`${sql.identifier('r')}`,
  };
  const q = new PgDialect().sqlToQuery(toSql(parse("author.email = 'x' && title = 'y'"), ctx));
  t.equal(
    q.sql,
    '(((select "__q1"."email" from "proj_1"."users" as "__q1" where "__q1"."id" = "r"."author") = $1::text) and ("r"."title" = $2::text))',
  );
});

t.test('injection attempts never reach the SQL text', async (t) => {
  const payloads = ["'); drop table posts; --", '" or 1=1 --', '\\\'', 'x%_\'"', 'robert\'); --'];
  for (const payload of payloads) {
    const literal = `'${payload.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    for (const dialect of ['sqlite', 'postgres'] as const) {
      for (const source of [`title = ${literal}`, `title ~ ${literal}`, `title in [${literal}, 'b']`, `${literal} in tags`]) {
        const q = compile(source, dialect);
        t.notOk(q.sql.includes(payload), `${dialect}: ${source} keeps the value out of the SQL`);
        t.ok(q.params.includes(payload) || q.params.includes(payload.toLowerCase()), `${dialect}: ${source} binds the value`);
      }
      const env: Env = { auth: { id: payload, data: { x: payload } }, request: { data: { y: payload } }, now: payload };
      const q = compile('author = auth.id && title = auth.data.x && body = request.data.y && day < now', dialect, env);
      t.notOk(q.sql.includes(payload), `${dialect}: env values are bound`);
      t.same(q.params.filter((p) => p === payload).length, 4, `${dialect}: env values are params`);
    }
  }
  // Names cannot smuggle SQL: the lexer only produces identifiers, and unknown names are refused.
  t.throws(() => compile('title" = 1 --', 'sqlite'), /unterminated string/);
  t.throws(() => compile('drop_table = 1', 'sqlite'), /unknown field 'drop_table'/);
});

t.test('identifiers from the schema are quoted', async (t) => {
  const schema = {
    field: (c: string, n: string) => (c === 'weird' && n === 'select' ? ({ type: 'text' } as const) : undefined),
  };
  const ctx = { ...fixtureSqlContext('sqlite'), schema, collection: 'weird' };
  const q = new SQLiteSyncDialect().sqlToQuery(toSql(parse("select = 'x'"), ctx));
  t.equal(q.sql, '("weird"."select" = ?)');
});
