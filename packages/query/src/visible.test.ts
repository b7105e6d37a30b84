import t from 'tap';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { parse, toSql } from './index.ts';
import { fixtureSqlContext } from './test-fixture.ts';

// posts.parent points at posts; users are the authors. The guard hides unpublished
// posts and non-admin users, as a view rule would.
const db = new Database(':memory:');
db.exec(`
  CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, verified INTEGER, anonymous INTEGER, role TEXT, data TEXT);
  CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, published INTEGER, parent TEXT, author TEXT, editors TEXT);
  INSERT INTO users VALUES ('u1', NULL, 1, 0, 'admin', NULL), ('u2', NULL, 1, 0, 'editor', NULL);
  INSERT INTO posts VALUES
    ('hidden', 'secret', 0, NULL, 'u2', '[]'),
    ('shown', 'public', 1, NULL, 'u1', '[]'),
    ('child-of-hidden', 'c1', 1, 'hidden', 'u1', '["u2"]'),
    ('child-of-shown', 'c2', 1, 'shown', 'u2', '["u1"]');
`);
const dialect = new SQLiteSyncDialect();

function matching(source: string, guarded: boolean): string[] {
  const ctx = fixtureSqlContext('sqlite');
  const where = toSql(parse(source), {
    ...ctx,
    visible: guarded
      ? (collection, row) =>
          collection === 'posts' ? sql`${row}.${sql.identifier('published')} = 1` : sql`${row}.${sql.identifier('role')} = ${'admin'}`
      : undefined,
  });
  const q = dialect.sqlToQuery(sql`SELECT id FROM ${sql.identifier('posts')} WHERE ${where} ORDER BY id`);
  return (db.prepare(q.sql).all(...q.params) as Array<{ id: string }>).map((r) => r.id);
}

// [filter, ids without the guard, ids with it]
const cases: Array<[string, string[], string[]]> = [
  ["parent.title = 'secret'", ['child-of-hidden'], []],
  ["parent.title ~ 'e'", ['child-of-hidden'], []],
  ["parent.title = 'public'", ['child-of-shown'], ['child-of-shown']],
  ["author.role = 'editor'", ['child-of-shown', 'hidden'], []],
  ["editors.role = 'editor'", ['child-of-hidden'], []],
  ["editors.role = 'admin'", ['child-of-shown'], ['child-of-shown']],
  // A hidden related row reads as missing, exactly like a dangling reference.
  ['parent.title = null', ['hidden', 'shown'], ['child-of-hidden', 'hidden', 'shown']],
];

for (const [source, open, guarded] of cases) {
  t.same(matching(source, false), open, `${source} (no guard)`);
  t.same(matching(source, true), guarded, `${source} (guarded)`);
}

t.test('aliasPrefix keeps nested compilations apart', async (t) => {
  const ctx = { ...fixtureSqlContext('sqlite'), aliasPrefix: 'g' };
  const q = dialect.sqlToQuery(toSql(parse("parent.title = 'x'"), ctx));
  t.match(q.sql, /"__gq1"/);
  t.notMatch(q.sql, /"__q1"/);
});
