/**
 * One more process of a baas instance that bench/server-baas.ts created and
 * seeded on PostgreSQL (BENCH_DATABASE_URL): buildApp on the same database,
 * its default config, listening on 127.0.0.1 on a free port. The scale
 * scenario runs 1, 2 and 3 of them side by side. Run by bench/run.ts.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';

async function main(): Promise<void> {
  runAsChild();
  const dir = mkdtempSync(join(tmpdir(), 'baas-bench-join-'));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, host: '127.0.0.1', port: 0, databaseUrl: process.env.BENCH_DATABASE_URL } });
  const app = await buildApp(config);
  onShutdown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port);
}

main().catch(fail);
