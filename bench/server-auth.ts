/**
 * The server of the auth scenario: a real baas instance (buildApp, SQLite in a
 * fresh temp data dir, default config with logging) with a project `bench`,
 * a collection `notes` readable by any signed-in user (view rule
 * `auth.id != null`), `open_notes` with the same records readable by guests,
 * and one signed-up user. Rate limits are off: the login measurement
 * would otherwise count 429s, not logins. Run by bench/run.ts, not by hand.
 */
import type { AddressInfo } from 'node:net';
import { fail, ready, runAsChild } from './lib/child.ts';
import { PROJECT, startBenchInstance } from './lib/instance.ts';

/** The bench user's credentials (a throwaway instance on 127.0.0.1). */
export const USER = { email: 'bench-user@example.com', password: 'bench user password' };
const SEEDED = 1000;

async function main(): Promise<void> {
  runAsChild();
  // Rate limits off: the login measurement would otherwise be mostly 429s.
  const { app, secret } = await startBenchInstance('auth', { overrides: { rateLimits: false } });
  const auth = { authorization: `Bearer ${secret}` };
  const base = `/v1/projects/${PROJECT}`;
  // notes: readable by signed-in users; open_notes: the same records, readable by guests (the baseline of a user's get).
  const seeded: Record<string, string[]> = {};
  let res;
  for (const [name, view] of [['notes', 'auth.id != null'], ['open_notes', '']] as const) {
    res = await app.inject({
      method: 'POST',
      url: `${base}/collections`,
      headers: auth,
      payload: {
        name,
        fields: [{ name: 'title', type: 'text', required: true }, { name: 'body', type: 'text' }],
        rules: { list: view, view, create: null, update: null, delete: null },
      },
    });
    if (res.statusCode !== 201) throw new Error(`creating the collection: ${res.statusCode} ${res.body}`);
    const ids: string[] = (seeded[name] = []);
    for (let start = 0; start < SEEDED; start += 100) {
      const operations = Array.from({ length: 100 }, (_, i) => ({
        action: 'create',
        collection: name,
        data: { title: `note ${start + i}`, body: 'x'.repeat(200) },
      }));
      res = await app.inject({ method: 'POST', url: `${base}/batch`, headers: auth, payload: { operations } });
      if (res.statusCode !== 200) throw new Error(`seeding: ${res.statusCode} ${res.body}`);
      for (const r of res.json().results as Array<{ body: { id: string } }>) ids.push(r.body.id);
    }
  }

  res = await app.inject({ method: 'POST', url: `${base}/auth/signup`, payload: USER });
  if (res.statusCode !== 201) throw new Error(`signing up the bench user: ${res.statusCode} ${res.body}`);

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, {
    ids: seeded.notes,
    openIds: seeded.open_notes,
    secret,
    project: PROJECT,
    prefix: `${base}/collections/notes/records`,
    openPrefix: `${base}/collections/open_notes/records`,
    user: USER,
  });
}

main().catch(fail);
