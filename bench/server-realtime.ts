/**
 * The server under test for the realtime scenario: a real baas instance
 * (SQLite, fresh temp data dir, no logging) with a project `bench` and a
 * collection `events` everyone may list, listening on 127.0.0.1 on a free
 * port. The parent samples this process's RSS from /proc. Run by bench/run.ts.
 */
import type { AddressInfo } from 'node:net';
import { fail, ready, runAsChild } from './lib/child.ts';
import { PROJECT, startBenchInstance } from './lib/instance.ts';


async function main(): Promise<void> {
  runAsChild();
  // Ten thousand idle subscribers must not be timed out during the run.
  const { app, secret } = await startBenchInstance('realtime', { overrides: { realtimeIdleSeconds: 3600 } });
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
