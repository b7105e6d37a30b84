import t from 'tap';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { tempDir } from '@baas/testkit';
import { normalizeCollection } from '@baas/schema';
import { SqliteDatabase } from './sqlite.ts';
import { alterCollectionTable, createCollectionTable } from './collection-tables.ts';
import { ftsTableName } from './search-index.ts';

/** FTS5's own check that an external-content index holds exactly what its content table holds. */
async function integrityCheck(db: SqliteDatabase, collection: string): Promise<void> {
  const fts = sql.identifier(ftsTableName(collection));
  await db.run(sql`INSERT INTO ${fts} (${fts}, rank) VALUES ('integrity-check', 1)`);
}

t.test('sqlite: the FTS5 index follows inserts, updates, deletes, column changes and VACUUM', async (t) => {
  const dir = tempDir();
  t.teardown(() => dir.remove());
  const db = new SqliteDatabase(join(dir.path, 'data.db'));
  t.teardown(() => db.close());
  const def = normalizeCollection({ name: 'notes', fields: [{ name: 'title', type: 'text' }, { name: 'n', type: 'integer' }], search: ['title'] });
  await db.transaction((tx) => createCollectionTable(tx, def));
  for (let i = 0; i < 300; i++) await db.run(sql`INSERT INTO notes (id, created_at, updated_at, title, n) VALUES (${`r${i}`}, 'x', 'x', ${`word${i % 7} common`}, ${i})`);
  await db.run(sql`UPDATE notes SET title = 'changed common' WHERE n % 5 = 0`);
  await db.run(sql`UPDATE notes SET n = n + 1 WHERE n % 3 = 0`);
  await db.run(sql`DELETE FROM notes WHERE n % 4 = 0`);
  await integrityCheck(db, 'notes');

  const match = (q: string) => db.all<{ id: string }>(sql`SELECT notes.id FROM _fts_notes_ JOIN notes ON notes.rowid = _fts_notes_.rowid WHERE _fts_notes_ MATCH ${q} ORDER BY notes.id`);
  const before = await match('changed');
  const expected = await db.all<{ id: string }>(sql`SELECT id FROM notes WHERE title LIKE 'changed%' ORDER BY id`);
  t.same(before, expected);
  t.ok(before.length > 10);

  // Rowids are what the index joins on: VACUUM must keep them (SQLite does for rowid tables).
  await db.run(sql`VACUUM`);
  await integrityCheck(db, 'notes');
  t.same(await match('changed'), before, 'the same records after VACUUM');

  const after = normalizeCollection({ fields: [...def.fields.map((f) => (f.name === 'title' ? { ...f, name: 'heading' } : f)), { name: 'extra', type: 'text', default: 'x' }] }, def);
  await db.transaction((tx) => alterCollectionTable(tx, def, after, new Map([['extra', 'x']])));
  await db.run(sql`UPDATE notes SET heading = 'renamed common' WHERE id = 'r1'`);
  await integrityCheck(db, 'notes');
  t.same(await match('renamed'), [{ id: 'r1' }], 'writes after a rename are indexed');
  t.equal((await match('common')).length, (await db.all(sql`SELECT id FROM notes`)).length);
});
