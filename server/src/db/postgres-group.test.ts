import t from 'tap';
import pg from 'pg';
import { createTempDatabase, postgresUrl } from '@baas/testkit';
import { sql } from 'drizzle-orm';
import { PostgresStores } from './instance.ts';
import { PostgresBus } from './postgres-bus.ts';
import type { Database, DbObserver, TransactionOptions } from './database.ts';

// Group commit on PostgreSQL (postgres-group.ts): transactions that name the same locks and
// arrive together share one BEGIN/COMMIT, each in a savepoint. On real PostgreSQL.
const url = postgresUrl();
const LOCKS: TransactionOptions = { locks: [['schema', 'shared'], ['changes', 'exclusive']] };

t.test('group commit', { skip: url ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTempDatabase(url!);
  const groups: number[] = [];
  const observer: DbObserver = { transaction: () => {}, commitGroup: (size) => groups.push(size) };
  const stores = new PostgresStores(database.url, observer);
  t.teardown(async () => {
    await stores.close();
    await database.drop();
  });
  const db = await stores.openProject('g1');
  const table = db.table('log');
  await db.run(sql`CREATE TABLE ${table} (seq BIGSERIAL PRIMARY KEY, v TEXT NOT NULL UNIQUE)`);
  const rows = async () => (await db.all<{ v: string }>(sql`SELECT v FROM ${table} ORDER BY seq`)).map((r) => r.v);
  const insert = (v: string, then?: (tx: Database) => Promise<void>) =>
    db.transaction(async (tx) => {
      await tx.lockUntilCommit('changes');
      await tx.run(sql`INSERT INTO ${table} (v) VALUES (${v})`);
      await then?.(tx);
      return v;
    }, LOCKS);

  t.test('a failing member rolls back alone; the others commit in arrival order', async (t) => {
    groups.length = 0;
    const heard: string[] = [];
    stores.bus.subscribe('state', (payload) => payload !== undefined && heard.push(payload));
    if (stores.bus instanceof PostgresBus) await stores.bus.ready;
    const outcomes = await Promise.allSettled([
      insert('a', (tx) => tx.publish('state', 'a')),
      insert('b', async (tx) => {
        await tx.publish('state', 'b');
        throw new Error('b fails');
      }),
      insert('a'), // a unique violation: a failed statement, the transaction aborted until the savepoint's rollback
      insert('c', (tx) => tx.publish('state', 'c')),
    ]);
    t.same(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    t.match((outcomes[2] as PromiseRejectedResult).reason, { code: '23505' });
    t.same(groups, [4], 'one commit for the four');
    t.same(await rows(), ['a', 'c'], 'the failed members left nothing; order kept');
    const deadline = Date.now() + 5000;
    while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    t.same(heard.sort(), ['a', 'c'], "a rolled-back member's messages never go out");
  });

  t.test('a member that swallows a failed statement fails alone, first or last in its group', async (t) => {
    const before = await rows();
    const swallow = (tx: Database) => tx.run(sql`SELECT 1/0`).then(() => {}, () => {});
    const outcomes = await Promise.allSettled([insert('s1', swallow), insert('s2'), insert('s3', swallow)]);
    t.same(outcomes.map((o) => o.status), ['rejected', 'fulfilled', 'rejected']);
    t.match((outcomes[0] as PromiseRejectedResult).reason, { code: '22012' }, 'it hears the error it swallowed');
    t.same(await rows(), [...before, 's2']);
  });

  t.test("a member's savepoint costs no round trip of its own: it goes with the member's first statement", async (t) => {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      if (text && !/^(LISTEN|UNLISTEN)/.test(text)) sent.push(text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    t.teardown(() => void (pg.Client.prototype.query = query));
    const outcomes = await Promise.allSettled([insert('r1'), insert('r2'), insert('r3')]);
    pg.Client.prototype.query = query;
    t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled']);
    t.equal(sent.length, 5, `BEGIN, one insert each, COMMIT: ${JSON.stringify(sent)}`);
    t.match(sent[2], /^RELEASE SAVEPOINT member; SAVEPOINT member; INSERT .*'r2'/, 'the savepoints ride with the insert, its value inlined');
    t.match(sent[4], /^RELEASE SAVEPOINT member; .*COMMIT$/, "the last member's RELEASE rides with the COMMIT");
  });

  t.test('a failed COMMIT rejects every member, and keeps nothing', async (t) => {
    const deferred = db.table('deferred');
    await db.run(sql`CREATE TABLE ${deferred} (id INTEGER, CONSTRAINT one UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`);
    const before = await rows();
    // Each member is valid alone; together they break a constraint checked at COMMIT.
    const outcomes = await Promise.allSettled([
      insert('d', (tx) => tx.run(sql`INSERT INTO ${deferred} (id) VALUES (1)`).then(() => {})),
      insert('e'),
      insert('f', (tx) => tx.run(sql`INSERT INTO ${deferred} (id) VALUES (1)`).then(() => {})),
    ]);
    t.same(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected']);
    t.same(await rows(), before);
    t.same(await db.all(sql`SELECT * FROM ${deferred}`), []);
    t.equal(await insert('g'), 'g', 'the next group commits');
  });

  t.test('a connection lost mid-group: no member hears success; the ones not run yet go again', async (t) => {
    const before = await rows();
    const outcomes = await Promise.allSettled([
      insert('h'),
      insert('i', async (tx) => {
        await tx.run(sql`SELECT pg_terminate_backend(pg_backend_pid())`);
      }),
      insert('j'),
    ]);
    t.same(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled']);
    t.same(await rows(), [...before, 'j'], "h was in the lost transaction; j ran in the next one");
  });

  t.test('many at once: a few groups in parallel, every member committed once, each group in member order', async (t) => {
    groups.length = 0;
    const before = await rows();
    const names = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    t.same(await Promise.all(names.map((v) => insert(v))), names);
    t.ok(groups.length > 1 && groups.reduce((a, b) => a + b, 0) === 20, `shared among groups: ${groups}`);
    const added = (await rows()).slice(before.length);
    t.same([...added].sort(), names);
    // Each group is a run of consecutive names, in order.
    let at = 0;
    for (const size of groups) {
      const run = added.filter((v) => names.indexOf(v) >= at && names.indexOf(v) < at + size);
      t.same(run, names.slice(at, at + size), `group of ${size} in member order`);
      at += size;
    }
  });

  t.test('a deadlock victim is rolled back and runs again', async (t) => {
    let runs = 0;
    const outcome = await insert('q', async (tx) => {
      if (++runs === 1) await tx.run(sql.raw(`DO $$ BEGIN RAISE EXCEPTION 'victim' USING ERRCODE = '40P01'; END $$`));
    });
    t.equal(outcome, 'q');
    t.equal(runs, 2);
    t.equal((await rows()).filter((v) => v === 'q').length, 1, 'its first run left nothing');
  });

  t.test('a group waits for a single transaction holding its lock, and commits after it', async (t) => {
    const before = await rows();
    let release!: () => void;
    const holding = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const hasLock = new Promise<void>((r) => (locked = r));
    const single = db.transaction(async (tx) => {
      await tx.lockUntilCommit('changes');
      await tx.run(sql`INSERT INTO ${table} (v) VALUES ('single')`);
      locked();
      await holding;
    });
    await hasLock;
    const grouped = [insert('k'), insert('l')];
    await new Promise((r) => setTimeout(r, 200));
    t.same(await rows(), before, 'nothing visible while the lock is held');
    release();
    await single;
    t.same(await Promise.all(grouped), ['k', 'l']);
    t.same(await rows(), [...before, 'single', 'k', 'l'], 'seqs in commit order');
  });
});
