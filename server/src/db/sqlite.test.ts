/**
 * Covers db/sqlite.ts's group commit: transactions asked for in the same turn
 * share one BEGIN/COMMIT, each in its own savepoint. A failing one rolls back
 * alone; a failing COMMIT rejects every member (none was durable); callers
 * hear in the order they asked, and a statement waits for the group ahead of it.
 */
import t from 'tap';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { tempDir } from '@baas/testkit';
import { SqliteDatabase } from './sqlite.ts';

async function open(t: any): Promise<{ db: SqliteDatabase; groups: number[] }> {
  const dir = tempDir();
  const groups: number[] = [];
  const db = new SqliteDatabase(join(dir.path, 'data.db'), undefined, undefined, { transaction() {}, commitGroup: (size) => groups.push(size) });
  t.teardown(async () => {
    await db.close();
    dir.remove();
  });
  await db.run(sql`CREATE TABLE parent (id TEXT PRIMARY KEY)`);
  // Deferred: an orphan passes its INSERT and fails at COMMIT.
  await db.run(sql`CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
  return { db, groups };
}

const ids = async (db: SqliteDatabase, table: 'parent' | 'child') =>
  (await db.all<{ id: string }>(sql`SELECT id FROM ${sql.identifier(table)} ORDER BY id`)).map((r) => r.id);

t.test('a failing transaction rolls back alone; the rest of its group commits', async (t) => {
  const { db, groups } = await open(t);
  const insert = (id: string, fail = false) => db.transaction(async (tx) => {
    await tx.run(sql`INSERT INTO parent (id) VALUES (${id})`);
    await Promise.resolve(); // a service awaits between statements
    if (fail) throw new Error(`${id} fails`);
    return id;
  });
  const results = await Promise.allSettled([insert('a'), insert('b', true), insert('c')]);
  t.same(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), ['a', 'b fails', 'c']);
  t.same(groups, [3], 'one group of three');
  t.same(await ids(db, 'parent'), ['a', 'c'], "b's row is gone, a's and c's stay");
});

t.test('a COMMIT that fails rejects every member of the group', async (t) => {
  const { db, groups } = await open(t);
  const results = await Promise.allSettled([
    db.transaction(async (tx) => tx.run(sql`INSERT INTO parent (id) VALUES ('p')`)),
    db.transaction(async (tx) => tx.run(sql`INSERT INTO child (id, parent) VALUES ('orphan', 'missing')`)),
  ]);
  t.same(groups, [2]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected'], 'nobody is told their write is durable');
  t.match((results[0] as PromiseRejectedResult).reason.message, /FOREIGN KEY/);
  t.same(await ids(db, 'parent'), [], 'nothing of the group was kept');
  t.same(await db.transaction(async (tx) => tx.run(sql`INSERT INTO parent (id) VALUES ('after')`)), { changes: 1 }, 'the connection works afterwards');
});

t.test('callers hear in the order they asked; a statement waits for the group ahead of it', async (t) => {
  const { db, groups } = await open(t);
  const heard: string[] = [];
  const first = db.transaction(async (tx) => {
    await tx.run(sql`INSERT INTO parent (id) VALUES ('1')`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the slow one finishes last but is heard first
    return '1';
  }).then((v) => heard.push(v));
  const second = db.transaction(async (tx) => (await tx.run(sql`INSERT INTO parent (id) VALUES ('2')`), '2')).then((v) => heard.push(v));
  await new Promise((resolve) => setImmediate(resolve)); // the group has started
  const read = ids(db, 'parent').then((v) => (heard.push(`read ${v.join(',')}`), v));
  const third = db.transaction(async (tx) => (await tx.run(sql`INSERT INTO parent (id) VALUES ('3')`), '3')).then((v) => heard.push(v));
  await Promise.all([first, second, read, third]);
  t.same(heard, ['1', '2', 'read 1,2', '3'], 'the read sees the group before it, not the transaction after it');
  t.same(groups, [2, 1]);
});
