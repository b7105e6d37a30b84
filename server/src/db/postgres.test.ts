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
});
