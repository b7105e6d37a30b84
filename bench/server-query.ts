/**
 * The server under test for the query scenario: a real baas instance
 * (SQLite, fresh temp data dir) with a project `bench` and a collection
 * `posts` searchable on title and body, whose list rule hides drafts,
 * seeded through /batch (BENCH_QUERY_RECORDS, default 100,000). Reports the
 * project store's file so the baseline can query the very same data.
 * Run by bench/run.ts, not by hand.
 */
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fail, ready, runAsChild } from './lib/child.ts';
import { PROJECT, startBenchInstance } from './lib/instance.ts';
import { DATA_SEED, makeItem, prng, STATUSES } from './lib/data.ts';
import { queryRecordCount } from './lib/query-data.ts';

export const postsCollection = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text' },
    { name: 'body', type: 'text' },
    { name: 'status', type: 'select', values: [...STATUSES] },
    { name: 'votes', type: 'integer' },
    { name: 'published', type: 'date' },
  ],
  search: ['title', 'body'],
  rules: { list: "status != 'draft'", view: '', create: null, update: null, delete: null },
};

async function main(): Promise<void> {
  runAsChild();
  const { app, dir, secret } = await startBenchInstance('query');
  const auth = { authorization: `Bearer ${secret}` };
  const base = `/v1/projects/${PROJECT}`;
  let res = await app.inject({ method: 'POST', url: `${base}/collections`, headers: auth, payload: postsCollection });
  if (res.statusCode !== 201) throw new Error(`creating the collection: ${res.statusCode} ${res.body}`);

  const count = queryRecordCount();
  const random = prng(DATA_SEED);
  const year = Date.UTC(2024, 0, 1);
  for (let start = 0; start < count; start += 100) {
    const operations = [];
    for (let i = start; i < Math.min(start + 100, count); i++) {
      const item = makeItem(random, i);
      const published = new Date(year + Math.floor(random() * 366 * 86_400_000)).toISOString();
      operations.push({ action: 'create', collection: 'posts', data: { title: item.title, body: item.body, status: item.status, votes: item.score, published } });
    }
    res = await app.inject({ method: 'POST', url: `${base}/batch`, headers: auth, payload: { operations } });
    if (res.statusCode !== 200) throw new Error(`seeding: ${res.statusCode} ${res.body}`);
  }

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { prefix: `${base}/collections/posts`, dataFile: join(dir, 'projects', PROJECT, 'data.db'), count });
}

main().catch(fail);
