/**
 * The server of the auth scenario: a real baas instance (buildApp, SQLite in a
 * fresh temp data dir, no logging) with a project `bench`, a collection
 * `notes` readable by any signed-in user (view rule `auth.id != null`), seeded
 * records, and one signed-up user. Rate limits are off: the login measurement
 * would otherwise count 429s, not logins. Run by bench/run.ts, not by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';

/** The bench user's credentials (a throwaway instance on 127.0.0.1). */
export const USER = { email: 'bench-user@example.com', password: 'bench user password' };
const PROJECT = 'bench';
const SEEDED = 1000;

async function main(): Promise<void> {
  runAsChild();
  const dir = mkdtempSync(join(tmpdir(), 'baas-bench-auth-'));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));
  // BAAS_RATE_LIMITS through env, so this works whether or not the config knows the key yet.
  const config = loadConfig({ env: { BAAS_RATE_LIMITS: 'false' }, overrides: { dataDir: dir, logLevel: 'silent', host: '127.0.0.1', port: 0 } });
  const app = await buildApp(config);
  onShutdown(() => app.close());

  const { keys } = await app.baas.projects.create(PROJECT, 'Bench');
  const secret = keys[0].secret;
  const auth = { authorization: `Bearer ${secret}` };
  const base = `/v1/projects/${PROJECT}`;
  let res = await app.inject({
    method: 'POST',
    url: `${base}/collections`,
    headers: auth,
    payload: {
      name: 'notes',
      fields: [{ name: 'title', type: 'text', required: true }, { name: 'body', type: 'text' }],
      rules: { list: 'auth.id != null', view: 'auth.id != null', create: null, update: null, delete: null },
    },
  });
  if (res.statusCode !== 201) throw new Error(`creating the collection: ${res.statusCode} ${res.body}`);

  const ids: string[] = [];
  for (let start = 0; start < SEEDED; start += 100) {
    const operations = Array.from({ length: 100 }, (_, i) => ({
      action: 'create',
      collection: 'notes',
      data: { title: `note ${start + i}`, body: 'x'.repeat(200) },
    }));
    res = await app.inject({ method: 'POST', url: `${base}/batch`, headers: auth, payload: { operations } });
    if (res.statusCode !== 200) throw new Error(`seeding: ${res.statusCode} ${res.body}`);
    for (const r of res.json().results as Array<{ body: { id: string } }>) ids.push(r.body.id);
  }

  res = await app.inject({ method: 'POST', url: `${base}/auth/signup`, payload: USER });
  if (res.statusCode !== 201) throw new Error(`signing up the bench user: ${res.statusCode} ${res.body}`);

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, secret, project: PROJECT, prefix: `${base}/collections/notes/records`, user: USER });
}

main().catch(fail);
