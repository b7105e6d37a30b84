import { randomBytes } from 'node:crypto';
import { pg } from './server-deps.ts';

/** The PostgreSQL server of the PostgreSQL pairs: BENCH_PG_URL (its own database is only used to create and drop). */
export const pgServerUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database for one scenario on the BENCH_PG_URL server, dropped
 * (forcing out connections) by `drop`; undefined when the server cannot be
 * reached, so a machine without PostgreSQL still runs the SQLite pairs.
 */
export async function createBenchDatabase(log: (m: string) => void): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: pgServerUrl });
  try {
    await admin.connect();
  } catch (err) {
    log(`PostgreSQL at ${pgServerUrl} unreachable (${(err as Error).message}): skipping the PostgreSQL pair`);
    return undefined;
  }
  const name = `baas_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(pgServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
