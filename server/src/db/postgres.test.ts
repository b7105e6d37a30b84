import t from 'tap';
import { createTempDatabase, postgresUrl } from '@baas/testkit';
import { sql } from 'drizzle-orm';
import { PostgresStores } from './instance.ts';

// The PostgreSQL driver's plain transactions (postgres.ts), on real PostgreSQL.
const url = postgresUrl();

t.test('postgres transactions', { skip: url ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTempDatabase(url!);
  const stores = new PostgresStores(database.url);
  t.teardown(async () => {
    await stores.close();
    await database.drop();
  });
  const db = await stores.openProject('p1');
  const table = db.table('notes');
  await db.run(sql`CREATE TABLE ${table} (v TEXT NOT NULL)`);

  t.test('a connection lost mid-transaction rejects it; the process lives on and the next one commits', async (t) => {
    // Without an 'error' listener on the checked-out client, pg's 'error' event would
    // end the process here (an unhandled 'error' event), failing the whole file.
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.run(sql`INSERT INTO ${table} (v) VALUES ('lost')`);
        await tx.run(sql`SELECT pg_terminate_backend(pg_backend_pid())`);
      }),
    );
    // Give pg's socket 'error'/'end' events a turn to fire.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await db.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO ${table} (v) VALUES ('kept')`);
    });
    t.same(await db.all(sql`SELECT v FROM ${table}`), [{ v: 'kept' }], 'the lost write is gone, the next is there');
  });

  t.test('reads outside a transaction are named prepared statements, and survive a column added under a SELECT *', async (t) => {
    const read = () => db.all<Record<string, unknown>>(sql`SELECT * FROM ${table} WHERE v = ${'kept'}`);
    // Every connection of the pool (10) prepares it: run it on all of them at once.
    for (const rows of await Promise.all(Array.from({ length: 20 }, read))) t.same(rows, [{ v: 'kept' }]);
    const prepared = await db.all<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${'SELECT * FROM %notes%'}`);
    t.equal(prepared[0].n, 1, 'prepared on the connection that answered');
    await db.run(sql`ALTER TABLE ${table} ADD COLUMN w TEXT`);
    // A prepared SELECT * whose result type changed: 'cached plan must not change result type' without the retry.
    for (const rows of await Promise.all(Array.from({ length: 20 }, read))) t.same(rows, [{ v: 'kept', w: null }]);
    t.same(await read(), [{ v: 'kept', w: null }], 'and named again afterwards');
  });

  t.test('a named read of a table dropped and created again with another column type answers as unnamed', async (t) => {
    const kinds = db.table('kinds');
    await db.run(sql`CREATE TABLE ${kinds} (k BIGINT)`);
    await db.run(sql`INSERT INTO ${kinds} (k) VALUES (5)`);
    const read = (k: unknown) => db.all(sql`SELECT * FROM ${kinds} WHERE k = ${k}`);
    for (const rows of await Promise.all(Array.from({ length: 20 }, () => read(5)))) t.same(rows, [{ k: 5 }]);
    await db.run(sql`DROP TABLE ${kinds}`);
    await db.run(sql`CREATE TABLE ${kinds} (k TEXT)`);
    await db.run(sql`INSERT INTO ${kinds} (k) VALUES ('x')`);
    // Prepared with a bigint parameter: 'invalid input syntax for type bigint' without the retry.
    for (const rows of await Promise.all(Array.from({ length: 20 }, () => read('x')))) t.same(rows, [{ k: 'x' }]);
  });
});
