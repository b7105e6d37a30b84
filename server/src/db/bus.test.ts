import t from 'tap';
import { createTempDatabase, engines, tempDir } from '@baas/testkit';
import { sql } from 'drizzle-orm';
import { PostgresStores, SqliteStores, type StoreFactory } from './instance.ts';
import { PostgresBus } from './postgres-bus.ts';

// The instance bus: a message published in a transaction arrives on commit, once, and never
// after a rollback; two factories on one PostgreSQL database (two processes) hear each other.
for (const engine of engines()) {
  t.test(`bus messages follow the transaction [${engine.name}]`, async (t) => {
    const dir = tempDir();
    const database = engine.databaseUrl ? await createTempDatabase(engine.databaseUrl) : undefined;
    const open = (): StoreFactory => (database ? new PostgresStores(database.url) : new SqliteStores(dir.path));
    const a = open();
    const b = database ? open() : a;
    t.teardown(async () => {
      await a.close();
      if (b !== a) await b.close();
      await database?.drop();
      dir.remove();
    });
    const heard: Array<string | undefined> = [];
    b.bus.subscribe('state', (payload) => heard.push(payload));
    if (b.bus instanceof PostgresBus) await b.bus.ready;
    const db = await a.openProject('p1');
    t.equal(db.project, 'p1', 'a project store names its project');

    await t.rejects(db.transaction(async (tx) => {
      await tx.publish('state', 'rolled back');
      throw new Error('no');
    }));
    await db.transaction(async (tx) => {
      await tx.run(sql`SELECT 1`);
      await tx.publish('state', 'committed');
      await tx.publish('state', 'committed');
      t.same(heard.filter((h) => h !== undefined), [], 'nothing before the commit');
    });
    await a.bus.publish('state', 'direct');
    const deadline = Date.now() + 5000;
    while (heard.filter((h) => h !== undefined).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    t.same(heard.filter((h) => h !== undefined), ['committed', 'direct'], 'once per transaction, none from the rollback');
    await t.rejects(db.publish('state', 'x'.repeat(8000)), /send an id/);
  });
}

// The commit feed: the committing process hears its own messages synchronously at commit, so
// whatever it caches is dropped before the transaction's caller resumes (and never after a rollback).
for (const engine of engines()) {
  t.test(`the commit feed hears a message before its transaction's caller resumes [${engine.name}]`, async (t) => {
    const dir = tempDir();
    const database = engine.databaseUrl ? await createTempDatabase(engine.databaseUrl) : undefined;
    const stores: StoreFactory = database ? new PostgresStores(database.url) : new SqliteStores(dir.path);
    t.teardown(async () => {
      await stores.close();
      await database?.drop();
      dir.remove();
    });
    const heard: Array<string | undefined> = [];
    stores.committed.subscribe('identity', (payload) => heard.push(payload));
    const db = await stores.openProject('p1');

    await t.rejects(db.transaction(async (tx) => {
      await tx.publish('identity', 'rolled back');
      throw new Error('no');
    }));
    const inside = await db.transaction(async (tx) => {
      await tx.run(sql`SELECT 1`);
      await tx.publish('identity', 'committed');
      return [...heard];
    });
    // No await between the transaction's end and this check: the feed ran inside the commit.
    t.same(inside, [], 'nothing before the commit');
    t.same(heard, ['committed'], 'heard by the time the transaction resolves, none from the rollback');
    await db.publish('identity', 'direct');
    t.same(heard, ['committed', 'direct'], 'a publish outside a transaction at once');
    // A write group (PostgreSQL group commit): heard when the member's promise resolves, after the group's COMMIT.
    await db.transaction(async (tx) => {
      await tx.publish('identity', 'grouped');
    }, { locks: [['changes', 'exclusive']] });
    t.same(heard, ['committed', 'direct', 'grouped'], 'a grouped transaction too');
  });
}
