/**
 * The server under test for the storage scenario: a real baas instance (fs
 * driver, SQLite, a fresh temp data dir, no logging) with a project `bench`
 * and a bucket `files` (100 MiB limit), listening on 127.0.0.1 on a free port.
 * The parent samples this process's RSS from /proc while objects stream
 * through. Run by bench/run.ts, not by hand.
 */
import type { AddressInfo } from 'node:net';
import { fail, ready, runAsChild } from './lib/child.ts';
import { PROJECT, startBenchInstance } from './lib/instance.ts';

export const BUCKET = 'files';

async function main(): Promise<void> {
  runAsChild();
  const { app, dir, secret } = await startBenchInstance('storage', {
    overrides: { storageDriver: 'fs' },
    parentDir: process.env.BENCH_STORAGE_DIR,
  });
  const res = await app.inject({
    method: 'POST',
    url: `/v1/projects/${PROJECT}/storage/buckets`,
    headers: { authorization: `Bearer ${secret}` },
    payload: { name: BUCKET, maxSize: 100 * 1024 * 1024 },
  });
  if (res.statusCode !== 201) throw new Error(`creating the bucket: ${res.statusCode} ${res.body}`);

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { secret, prefix: `/v1/projects/${PROJECT}/storage/buckets/${BUCKET}/objects`, dataDir: dir });
}

main().catch(fail);
