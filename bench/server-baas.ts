/**
 * The server under test for the records scenarios: a real baas instance
 * (buildApp, its default config with logging, SQLite in a fresh temp data
 * dir, or PostgreSQL with BENCH_DATABASE_URL) with a project
 * `bench`, a collection `items` seeded through /batch, listening on
 * 127.0.0.1 on a free port. Run by bench/run.ts, not by hand.
 */
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fail, ready, runAsChild } from './lib/child.ts';
import { PROJECT, startBenchInstance } from './lib/instance.ts';
import { authorIds, authorName, authorOf, DATA_SEED, makeItem, prng, seedCount, STATUSES } from './lib/data.ts';
import { BetterSqlite3, tableDdl } from './lib/server-deps.ts';

export const COLLECTION = 'items';

/**
 * The collection: 5 fields; a create rule that reads auth; open list/view.
 * Indexes: (status, -score) serves the list (filter on status, sort on
 * -score) from the index alone, and score on its own. With only two
 * single-column indexes SQLite picks the status index and sorts a third of
 * the table per request (~2 ms of SQLite per list on either side), which
 * would hide the server's own overhead this bench is about.
 */
export const itemsCollection = {
  name: COLLECTION,
  fields: [
    { name: 'title', type: 'text', required: true, max: 200 },
    { name: 'body', type: 'text' },
    { name: 'status', type: 'select', values: [...STATUSES] },
    { name: 'score', type: 'integer' },
    { name: 'owner', type: 'text' },
    { name: 'author', type: 'relation', collection: 'authors' },
  ],
  rules: { list: '', view: '', create: 'auth.id = null || owner = auth.id', update: null, delete: null },
  indexes: [{ fields: ['status', '-score'] }, { fields: ['score'] }],
};

/** The relation `expand=author` follows: AUTHORS records anyone may view. */
export const authorsCollection = {
  name: 'authors',
  fields: [{ name: 'name', type: 'text', required: true }],
  rules: { list: '', view: '', create: null, update: null, delete: null },
};

async function main(): Promise<void> {
  runAsChild();
  // BENCH_LOG_LEVEL: the logging scenario runs one child at `silent` beside the default `info`.
  const logLevel = process.env.BENCH_LOG_LEVEL as 'info' | 'silent' | undefined;
  // BENCH_SQLITE_SYNCHRONOUS: the durability scenario runs one child at FULL beside the default NORMAL.
  const synchronous = process.env.BENCH_SQLITE_SYNCHRONOUS as 'NORMAL' | 'FULL' | undefined;
  const { app, dir, secret } = await startBenchInstance('records', {
    overrides: { ...(logLevel ? { logLevel } : {}), ...(synchronous ? { sqliteSynchronous: synchronous } : {}) },
  });
  const auth = { authorization: `Bearer ${secret}` };
  const base = `/v1/projects/${PROJECT}`;
  let res = await app.inject({ method: 'POST', url: `${base}/collections`, headers: auth, payload: authorsCollection });
  if (res.statusCode !== 201) throw new Error(`creating the authors collection: ${res.statusCode} ${res.body}`);
  res = await app.inject({
    method: 'POST',
    url: `${base}/batch`,
    headers: auth,
    payload: { operations: authorIds.map((id, i) => ({ action: 'create', collection: 'authors', data: { id, name: authorName(i) } })) },
  });
  if (res.statusCode !== 200) throw new Error(`seeding authors: ${res.statusCode} ${res.body}`);
  res = await app.inject({ method: 'POST', url: `${base}/collections`, headers: auth, payload: itemsCollection });
  if (res.statusCode !== 201) throw new Error(`creating the collection: ${res.statusCode} ${res.body}`);

  const count = seedCount();
  const random = prng(DATA_SEED);
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const operations = [];
    for (let i = start; i < Math.min(start + 100, count); i++) operations.push({ action: 'create', collection: COLLECTION, data: { ...makeItem(random, i), author: authorOf(i) } });
    res = await app.inject({ method: 'POST', url: `${base}/batch`, headers: auth, payload: { operations } });
    if (res.statusCode !== 200) throw new Error(`seeding: ${res.statusCode} ${res.body}`);
    for (const r of res.json().results as Array<{ body: { id: string } }>) ids.push(r.body.id);
  }

  // SQLite: the DDL baas generated (the project store's documented location), for the baseline to be compared with.
  // PostgreSQL: the baseline reads and writes this very table (schema project_<id>), so there is nothing to compare.
  let ddl: string[] | undefined;
  if (!process.env.BENCH_DATABASE_URL) {
    const store = new BetterSqlite3(join(dir, 'projects', PROJECT, 'data.db'), { readonly: true, fileMustExist: true });
    ddl = [...tableDdl(store, 'authors'), ...tableDdl(store, COLLECTION)];
    store.close();
  }

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, prefix: `${base}/collections/${COLLECTION}/records`, ddl, schema: `project_${PROJECT}` });
}

main().catch(fail);
