/**
 * The baseline of the query scenario: plain Fastify (logger off) on
 * better-sqlite3 opening the baas child's own project store (BENCH_QUERY_DB),
 * so both sides read the same rows, indexes and FTS5 table; one prepared,
 * hand-written statement per route (lib/query-data.ts). Run by bench/run.ts.
 */
import type { AddressInfo } from 'node:net';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { queries } from './lib/query-data.ts';
import { BetterSqlite3, Fastify } from './lib/server-deps.ts';

async function main(): Promise<void> {
  runAsChild();
  const file = process.env.BENCH_QUERY_DB;
  if (!file) throw new Error('BENCH_QUERY_DB names the store to read');
  const db = new BetterSqlite3(file, { fileMustExist: true });
  onShutdown(() => db.close());
  db.pragma('busy_timeout = 5000');
  const aggregate = db.prepare(queries.aggregate.sql);
  const search = db.prepare(queries.search.sql);

  const app = Fastify({ logger: false });
  onShutdown(() => app.close());
  app.get('/aggregate', async () => ({ items: aggregate.all() }));
  app.get('/search', async () => ({ items: search.all(), nextCursor: null }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port);
}

main().catch(fail);
