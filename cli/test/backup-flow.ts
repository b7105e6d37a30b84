import type { Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDatabase, tempDir } from '@baas/testkit';
import { cliEnv, runBaas, startServe, type Server } from './helpers.ts';

// `baas backup` and `baas restore` as real processes on real files: a serving
// instance backed up while it takes writes restores into a fresh directory (or
// database) with every record and object equal; one project restores into
// another running instance under a new id; a damaged archive is refused.
// Each spawned CLI costs about a second, so the steps share their processes.

type Json = Record<string, any>;

async function call(server: Server, token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Json> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : (body as string),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text };
}

/** Records (by id) and objects (with their bytes) of a project, as the API shows them. */
async function contents(server: Server, token: string, project: string) {
  const p = `/v1/projects/${project}`;
  const records: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await call(server, token, 'GET', `${p}/collections/notes/records?sort=id&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const objects: Json[] = (await call(server, token, 'GET', `${p}/storage/buckets/files/objects`)).items;
  const bytes: string[] = [];
  for (const o of objects) bytes.push((await call(server, token, 'GET', `${p}/storage/buckets/files/objects/${o.path}`)).text);
  return { records, objects: objects.map((o) => ({ path: o.path, sha256: o.sha256, size: o.size })), bytes };
}

/** The whole flow on one engine (one test file per engine: each spawns about ten CLI processes). */
export async function backupFlow(t: Test, engine: { name: 'sqlite' | 'postgres'; databaseUrl?: string }): Promise<void> {
  {
    const tmp = tempDir('baas-cli-backup-');
    t.teardown(() => tmp.remove());
    const databases = engine.databaseUrl ? await Promise.all([0, 1].map(() => createTempDatabase(engine.databaseUrl!))) : [];
    t.teardown(() => Promise.all(databases.map((d) => d.drop())));
    const envFor = (i: number) => cliEnv(tmp.path, databases[i] ? { BAAS_DATABASE_URL: databases[i].url } : {});
    const baas = (args: string[], i = 0) => runBaas(args, { cwd: tmp.path, env: envFor(i) });
    const servers: Server[] = [];
    t.teardown(() => Promise.all(servers.map((s) => s.stop())));
    const serve = async (dir: string, i: number) => {
      const server = await startServe(['--dir', dir, '--port', '0'], { cwd: tmp.path, env: envFor(i) });
      servers.push(server);
      return server;
    };

    const init = JSON.parse((await baas(['init', 'site', '--json', '--admin-password', 'a long enough password'])).stdout);
    const site = await serve('site', 0);
    const sk = init.secretKey;
    await call(site, sk, 'POST', '/v1/projects/app/collections', {
      name: 'notes',
      fields: [{ name: 'text', type: 'text' }, { name: 'meta', type: 'json' }, { name: 'n', type: 'integer' }],
    });
    await call(site, sk, 'POST', '/v1/projects/app/storage/buckets', { name: 'files' });
    for (let i = 0; i < 30; i++) await call(site, sk, 'POST', '/v1/projects/app/collections/notes/records', { text: `note ${i}`, meta: { i }, n: i });
    for (const [path, body] of [['a.txt', 'alpha'], ['deep/b.txt', 'b'.repeat(50_000)]]) {
      await call(site, sk, 'PUT', `/v1/projects/app/storage/buckets/files/objects/${path}`, body, 'text/plain');
    }

    // writes go on while the backup runs
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await call(site, sk, 'POST', '/v1/projects/app/collections/notes/records', { text: `during ${written}`, n: 1000 + written });
        written++;
        // Paced, so the backup shares the machine with the writes rather than losing it to them.
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const backup = await baas(['backup', 'all.tar.gz', '--dir', 'site']);
    writing = false;
    await writer;
    t.equal(backup.code, 0, backup.stderr);
    t.match(backup.stdout, /^wrote all\.tar\.gz \(\d+\.\d [KM]B\): the instance store and every project\n$/);
    t.match(backup.stderr, /^- taking a consistent snapshot of the instance store and 1 project/, 'progress on stderr');
    t.match(backup.stderr, /  app: 2\/2 objects, 48\.\d KB\n/);
    t.ok(written > 0, `${written} records were written during the backup`);
    const source = await contents(site, sk, 'app');

    // into a fresh directory (and, on PostgreSQL, a fresh database)
    const restore = await baas(['restore', 'all.tar.gz', '--dir', 'fresh'], 1);
    t.equal(restore.code, 0, restore.stderr);
    t.match(restore.stdout, /^restored the instance of \S+ \(projects: app\) into /);
    t.match(restore.stderr, /- reading and verifying \S+all\.tar\.gz\n/);
    const fresh = await serve('fresh', 1);
    const restored = await contents(fresh, sk, 'app');
    t.same(restored.objects, source.objects, 'every object');
    t.same(restored.bytes, source.bytes, 'byte for byte');
    const byId = new Map(source.records.map((r) => [r.id, r]));
    t.ok(restored.records.every((r) => JSON.stringify(r) === JSON.stringify(byId.get(r.id))), 'every restored record equals the original');
    const seeded = source.records.filter((r) => r.n < 1000);
    t.equal(restored.records.filter((r) => r.n < 1000).length, seeded.length, 'everything written before the backup is there');
    // a consistent snapshot: the records of the writes during the backup form a prefix of them
    const during = restored.records.filter((r) => r.n >= 1000).map((r) => r.n).sort((a, b) => a - b);
    t.same(during, during.map((_, i) => 1000 + i), `a prefix of the concurrent writes (${during.length} of ${written})`);
    const login = await fetch(`${fresh.url}/v1/admin/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: 'a long enough password' }) });
    t.equal(login.status, 200, 'the admin signs in to the restored instance');

    // one project, into another running instance (the fresh one), under a new id
    const asCopy = await baas(['restore', 'all.tar.gz', '--dir', 'fresh', '--project', 'app', '--as', 'copy', '--json'], 1);
    t.equal(asCopy.code, 0, asCopy.stderr);
    t.match(JSON.parse(asCopy.stdout), { id: 'app', restoredAs: 'copy', objects: 2 });
    t.same(await contents(fresh, sk, 'copy'), restored, "the copy keeps the project's records, objects and secret key");
    const again = await baas(['restore', 'all.tar.gz', '--dir', 'fresh', '--project', 'app'], 1);
    t.equal(again.code, 1);
    t.equal(again.stderr.trimEnd().split('\n').pop(), "error: project 'app' exists: restore under another id (as), or delete it first (conflict)");

    // a damaged archive is refused with a clear message, and leaves nothing
    const damaged = readFileSync(join(tmp.path, 'all.tar.gz'));
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    writeFileSync(join(tmp.path, 'damaged.tar.gz'), damaged);
    const refused = await baas(['restore', 'damaged.tar.gz', '--dir', 'fresh', '--project', 'app', '--as', 'broken'], 1);
    t.equal(refused.code, 1);
    t.match(refused.stderr.trimEnd().split('\n').pop(), /^error: \S+damaged\.tar\.gz cannot be restored: .+; nothing was changed \(invalid_backup\)$/);
    const projects = await call(fresh, sk, 'GET', '/v1/projects/broken/collections').catch((err: Error) => err.message);
    t.match(projects, /404/, 'no project was made');
  }
}
