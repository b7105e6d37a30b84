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
import { sqlText } from './sql-text.ts';

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
