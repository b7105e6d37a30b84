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
import { logChange } from './change-log.ts';

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

t.test("change-log seqs follow the members' order, gap-free past a member that failed after logging", async (t) => {
  const { db, groups } = await open(t);
  await db.run(sql`CREATE TABLE _changes (seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL, action TEXT NOT NULL, record TEXT NOT NULL, previous TEXT, created_at TEXT NOT NULL)`);
  const write = (id: string, fail = false) => db.transaction(async (tx) => {
    await tx.run(sql`INSERT INTO parent (id) VALUES (${id})`);
    await logChange(tx, 'parent', 'create', { id, created_at: '', updated_at: '' }, null);
    await Promise.resolve();
    if (fail) throw new Error(`${id} fails`);
  }, { locks: [['changes', 'exclusive']] });
  const outcomes = await Promise.allSettled([write('a'), write('b'), write('c', true), write('d'), write('e')]);
  t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  t.same(groups, [5], 'the five writes shared one commit');
  const log = await db.all<{ seq: number; record_id: string }>(sql`SELECT seq, record_id FROM _changes ORDER BY seq`);
  t.same(log, [{ seq: 1, record_id: 'a' }, { seq: 2, record_id: 'b' }, { seq: 3, record_id: 'd' }, { seq: 4, record_id: 'e' }], "c's row rolled back with it, and its seq went to d");
});

t.test("a group shares its members' stable reads, but not across a member that named no locks", async (t) => {
  const { db } = await open(t);
  await db.run(sql`CREATE TABLE defs (name TEXT PRIMARY KEY, v TEXT NOT NULL)`);
  await db.run(sql`INSERT INTO defs (name, v) VALUES ('x', 'v1')`);
  let reads = 0;
  const locked = { locks: [['schema', 'shared']] } as const;
  const readDef = () => db.transaction((tx) => tx.stableRead('def:x', async () => (reads++, (await tx.get<{ v: string }>(sql`SELECT v FROM defs WHERE name = 'x'`))!.v)), locked);
  const failingRead = () => db.transaction((tx) => tx.stableRead('def:x', async () => (reads++, Promise.reject(new Error('read failed')))), locked);
  const change = () => db.transaction(async (tx) => tx.run(sql`UPDATE defs SET v = 'v2' WHERE name = 'x'`));
  // Asked for in this order, in one turn: one group.
  const results = await Promise.allSettled([failingRead(), readDef(), readDef(), change(), readDef(), readDef()]);
  t.same(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)).filter((_, i) => i !== 3), ['read failed', 'v1', 'v1', 'v2', 'v2']);
  t.equal(reads, 3, 'a failed read is not shared; the next member reads again, once for the two before the change and once for the two after it');
});
