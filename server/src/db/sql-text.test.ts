/**
 * Covers db/sql-text.ts: for every kind of template the server builds, the
 * one-pass writer gives exactly what drizzle's own `sqlToQuery` gives, on
 * both dialects; for what it does not handle it answers undefined (the
 * drivers then fall back to drizzle).
 */
import t from 'tap';
import { Param, sql, type SQL } from 'drizzle-orm';
import { PgDialect, pgTable, text as pgText } from 'drizzle-orm/pg-core';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { fragmentText, ShapeCache, sqlText, StatementShape } from './sql-text.ts';

const sqlite = new SQLiteSyncDialect();
const pg = new PgDialect();

const table = sql`${sql.identifier('project_x')}.${sql.identifier('items')}`;
const cases: Record<string, SQL> = {
  'plain text': sql`SELECT 1`,
  'values of every type': sql`SELECT ${'a'}, ${1}, ${2.5}, ${10n}, ${true}, ${null}, ${Buffer.from('xy')}, ${new Uint8Array([1])}`,
  'identifiers, quotes doubled': sql`SELECT ${sql.identifier('we"ird')} FROM ${sql.identifier('items')}`,
  'nested templates': sql`SELECT * FROM ${table} WHERE ${sql`(${sql`${sql.identifier('a')} = ${'x'}`}) AND (${sql.identifier('b')} > ${3})`}`,
  'raw text': sql`SELECT ${sql.raw('count(*)')} AS n ${sql.raw('')}`,
  'join': sql`SELECT ${sql.join([sql.identifier('a'), sql.identifier('b'), sql`${'v'} AS c`], sql`, `)}`,
  'join of values': sql`VALUES ${sql.join([sql`(${1}, ${'a'})`, sql`(${2}, ${'b'})`], sql`, `)}`,
  'a join of arrays is a list of lists (the request log\'s batch insert)': sql`VALUES ${sql.join([[1, 'a', null], [2, 'b', 3.5]] as unknown as SQL[], sql`, `)}`,
  'an array is a list': sql`SELECT * FROM t WHERE id IN ${['a', 'b', sql`${'c'}`]}`,
  'an empty array': sql`SELECT ${[]}`,
  'undefined writes nothing': sql`SELECT 1${undefined}`,
  'empty template': sql``,
  'sql.empty': sql`SELECT 1 ${sql.empty()}`,
  'a plain object is a value': sql`SELECT ${{ a: 1 } as unknown as string}`,
  'a date is a value': sql`SELECT ${new Date(0) as unknown as string}`,
  'many parameters (numbering past 9)': sql`SELECT ${sql.join(Array.from({ length: 25 }, (_, i) => sql`${i}`), sql`, `)}`,
  'a StringChunk of several parts': sql.join([sql.raw('a'), sql.raw('b')]),
};

for (const [name, query] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const s = sqlite.sqlToQuery(query);
    t.same(sqlText(query, false), { sql: s.sql, params: s.params }, 'sqlite');
    const p = pg.sqlToQuery(query);
    t.same(sqlText(query, true), { sql: p.sql, params: p.params }, 'postgres');
  });
}

t.test('what it does not write is left to drizzle', async (t) => {
  const items = pgTable('items', { id: pgText('id') });
  const unsupported: Record<string, SQL> = {
    'a drizzle table': sql`SELECT * FROM ${items}`,
    'a drizzle column': sql`SELECT ${items.id}`,
    'a Param (it may carry an encoder)': sql`SELECT ${new Param('x')}`,
    'a nested Param': sql`SELECT ${sql`${new Param('x')}`}`,
    'a Param in an array': sql`SELECT ${[new Param('x')]}`,
    'inlined parameters': sql`SELECT ${'x'}`.inlineParams(),
    'nested inlined parameters': sql`SELECT ${sql`${'x'}`.inlineParams()}`,
    'a placeholder': sql`SELECT ${sql.placeholder('p')}`,
    'an object with getSQL': sql`SELECT ${{ getSQL: () => sql`1` } as unknown as string}`,
  };
  for (const [name, query] of Object.entries(unsupported)) {
    t.equal(sqlText(query, false), undefined, `${name}: sqlite`);
    t.equal(sqlText(query, true), undefined, `${name}: postgres`);
  }
});

t.test('a template reused gives the same text and fresh parameters each time', async (t) => {
  const query = sql`SELECT ${'a'}`;
  const first = sqlText(query, false)!;
  first.params.push('changed');
  t.same(sqlText(query, false), { sql: 'SELECT ?', params: ['a'] });
});

t.test('a statement shape: its text on both dialects, the same as drizzle writes its chunks, alone or nested', async (t) => {
  const shape = new StatementShape(['INSERT INTO "t" ("a", "b") VALUES (', ', ', ')']);
  t.equal(shape.text, 'INSERT INTO "t" ("a", "b") VALUES (?, ?)');
  t.equal(shape.numberedText, 'INSERT INTO "t" ("a", "b") VALUES ($1, $2)');
  const query = shape.with(['x', 2]);
  t.same(sqlText(query, false), { sql: shape.text, params: ['x', 2] });
  t.same(sqlText(query, true), { sql: shape.numberedText, params: ['x', 2] });
  const drizzle = (q: { sql: string; params: unknown[] }) => ({ sql: q.sql, params: q.params });
  t.same(drizzle(sqlite.sqlToQuery(query)), { sql: shape.text, params: ['x', 2] }, "drizzle's writer agrees (sqlite)");
  t.same(drizzle(pg.sqlToQuery(query)), { sql: shape.numberedText, params: ['x', 2] }, "drizzle's writer agrees (postgres)");
  const nested = sql`WITH w AS (${query}) SELECT ${'y'}`;
  t.same(sqlText(nested, true), drizzle(pg.sqlToQuery(nested)), 'nested in a template, numbered on from its place');
  t.same(sqlText(nested, false), { sql: `WITH w AS (${shape.text}) SELECT ?`, params: ['x', 2, 'y'] });
  const first = sqlText(query, false)!;
  first.params.push('changed');
  t.same(sqlText(query, false)!.params, ['x', 2], 'each read gets its own parameters');
  t.throws(() => shape.with(['only one']), /takes 2 parameters/);
  t.same(sqlText(new StatementShape(['SELECT 1']).with([]), true), { sql: 'SELECT 1', params: [] }, 'a shape without parameters');
});

t.test('a shape cache writes each shape once; fragmentText refuses a fragment with parameters', async (t) => {
  const cache = new ShapeCache(2);
  let built = 0;
  const get = (key: string) => cache.get(key, () => (built++, sql`SELECT ${key}`));
  t.equal(get('a'), get('a'));
  t.equal(built, 1);
  get('b');
  get('c'); // past the bound: the cache starts over
  get('a');
  t.equal(built, 4);
  t.equal(get('a').text, 'SELECT ?', "a shape is its template's text, without the parameters' values");
  t.equal(fragmentText(table), '"project_x"."items"');
  t.throws(() => fragmentText(sql`${sql.identifier('t')} WHERE a = ${1}`), /plain text and identifiers/);
});

t.test("a shape of a template writes what sqlText writes for it, on both dialects, for any parameters", async (t) => {
  const build = (a: unknown, ids: string[]) => sql`INSERT INTO ${table} (${sql.join([sql.identifier('a'), sql.identifier('b')], sql`, `)}) SELECT ${a}, ${sql.raw('1')} WHERE (SELECT COUNT(*) FROM ${table} WHERE id IN ${ids}) = ${ids.length}`;
  const shape = StatementShape.of(build('x', ['p', 'q']));
  const query = build('y', ['r', 's']);
  const bound = shape.with(['y', 'r', 's', 2]);
  t.same(sqlText(bound, false), sqlText(query, false));
  t.same(sqlText(bound, true), sqlText(query, true));
  t.throws(() => StatementShape.of(sql`SELECT ${new Param('x')}`), /built of templates/);
  t.throws(() => StatementShape.of(sql`SELECT ${'x'}`.inlineParams()), /built of templates/);
});
