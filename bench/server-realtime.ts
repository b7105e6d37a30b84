/**
 * The server under test for the realtime scenario: a real baas instance
 * (SQLite, fresh temp data dir, no logging) with a project `bench` and a
 * collection `events` everyone may list, listening on 127.0.0.1 on a free
 * port. The parent samples this process's RSS from /proc. Run by bench/run.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';

const PROJECT = 'bench';

async function main(): Promise<void> {
  runAsChild();
  const dir = mkdtempSync(join(tmpdir(), 'baas-bench-realtime-'));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));
  // Ten thousand idle subscribers must not be timed out during the run.
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent', host: '127.0.0.1', port: 0, realtimeIdleSeconds: 3600 } });
  const app = await buildApp(config);
  onShutdown(() => app.close());
  const { keys } = await app.baas.projects.create(PROJECT, 'Bench');
  const secret = keys[0].secret;
  const res = await app.inject({
    method: 'POST',
    url: `/v1/projects/${PROJECT}/collections`,
    headers: { authorization: `Bearer ${secret}` },
    payload: { name: 'events', fields: [{ name: 'title', type: 'text' }], rules: { list: '', view: '', create: '', update: null, delete: null } },
  });
  if (res.statusCode !== 201) throw new Error(`creating the collection: ${res.statusCode} ${res.body}`);
  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { secret, project: PROJECT, collection: 'events' });
}

main().catch(fail);
