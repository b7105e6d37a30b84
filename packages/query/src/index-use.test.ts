import t from 'tap';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { PgDialect } from 'drizzle-orm/pg-core';
import { createTempDatabase, postgresUrl } from '@baas/testkit';
import { parse, toSql, type Dialect } from './index.ts';
import { fixtureSqlContext } from './test-fixture.ts';

// Filters an app sends must be answerable from an index: these compile to
// comparisons the planners can match, not coalesce(...) or IS NOT DISTINCT FROM.
const filters = ["status = 'open'", 'count > 5', "count >= 2 && status = 'open'", "status in ['a', 'b']", "title < 'm'"];

function where(source: string, dialect: Dialect) {
  const obj = sql`SELECT id FROM ${sql.identifier('posts')} WHERE ${toSql(parse(source), fixtureSqlContext(dialect))}`;
  return dialect === 'sqlite' ? new SQLiteSyncDialect().sqlToQuery(obj) : new PgDialect().sqlToQuery(obj);
}

t.test('sqlite plans an index search', async (t) => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, status TEXT, count INTEGER);
    CREATE INDEX by_status ON posts (status); CREATE INDEX by_count ON posts (count); CREATE INDEX by_title ON posts (title)`);
  for (const f of filters) {
    const q = where(f, 'sqlite');
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    t.match(plan, /SEARCH posts USING (COVERING )?INDEX/, `${f}: ${plan}`);
  }
});

t.test('postgres plans an index scan', async (t) => {
  const url = postgresUrl();
  if (!url) return t.skip('postgres part: BAAS_TEST_DATABASE_URL is not set', async () => {});
  const database = await createTempDatabase(url);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  t.teardown(async () => {
    await client.end();
    await database.drop();
  });
  await client.query(`CREATE TABLE posts (id text COLLATE "C" PRIMARY KEY, title text COLLATE "C", status text COLLATE "C", count bigint);
    CREATE INDEX by_status ON posts (status); CREATE INDEX by_count ON posts (count); CREATE INDEX by_title ON posts (title)`);
  await client.query('SET enable_seqscan = off'); // a tiny table: ask whether an index CAN serve it
  for (const f of filters) {
    const q = where(f, 'postgres');
    const plan = (await client.query(`EXPLAIN ${q.sql}`, q.params)).rows.map((r) => r['QUERY PLAN']).join('; ');
    t.match(plan, /Index|Bitmap/, `${f}: ${plan}`);
  }
});
