import t from 'tap';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createTempDatabase, engines, tempDir } from '@baas/testkit';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { startInstance, type TestInstance } from '../../test/harness.ts';
import { createBackup } from './backup.ts';
import { restoreInstance, restoreProject } from './restore.ts';

// Backups in-process on both engines: what goes in comes out equal, under the
// same id or a new one, in the same instance or a fresh one; a damaged archive
// is refused before anything changes. backup-cli.test.ts does it with real
// processes under writes.

/** Fills project `app` with a collection, records, a user and stored objects. */
async function seed(api: TestInstance): Promise<void> {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: {
      name: 'posts',
      fields: [
        { name: 'title', type: 'text', required: true },
        { name: 'meta', type: 'json' },
        { name: 'done', type: 'boolean' },
        { name: 'votes', type: 'integer' },
      ],
      indexes: [{ fields: ['votes'] }],
      // A search index too: PostgreSQL's generated column is rebuilt, not copied; SQLite's FTS5 rows must match the rowids.
      search: ['title'],
      rules: { list: '', view: '', create: null, update: null, delete: null },
    },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  for (let i = 0; i < 20; i++) {
    res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: `post ${i}`, meta: i % 2 ? { n: i, tags: ['a'] } : 'text', done: i % 3 === 0, votes: i } });
    t.equal(res.status, 201);
  }
  await api.request('POST', api.p('/users'), { token: sk, body: { email: 'ann@example.com', password: 'correct horse battery' } });
  res = await api.request('POST', api.p('/storage/buckets'), { token: sk, body: { name: 'files' } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  for (const [path, body] of [['a.txt', 'hello'], ['dir/b.bin', 'x'.repeat(100_000)]]) {
    res = await api.request('PUT', api.p(`/storage/buckets/files/objects/${path}`), { token: sk, body, headers: { 'content-type': 'text/plain' } });
    t.equal(res.status, 200, JSON.stringify(res.body));
  }
}

/** Everything a project shows through the API: records, users, objects with their bytes. */
async function contents(api: TestInstance, project: string, token: string) {
  const p = (path: string) => `/v1/projects/${project}${path}`;
  const records = (await api.request('GET', p('/collections/posts/records?sort=id&limit=100'), { token })).body.items;
  const users = (await api.request('GET', p('/users'), { token })).body.items.map((u: { email: string }) => u.email);
  const objects = (await api.request('GET', p('/storage/buckets/files/objects'), { token })).body.items;
  const bytes: string[] = [];
  for (const o of objects) bytes.push((await api.request('GET', p(`/storage/buckets/files/objects/${o.path}`), { token })).body);
  const collection = (await api.request('GET', p('/collections/posts'), { token })).body;
  const found = (await api.request('GET', p('/collections/posts/records?search=post+1&sort=id&limit=100'), { token })).body.items.map((r: { title: string }) => r.title);
  return { records, found, users, objects: objects.map((o: Record<string, unknown>) => ({ path: o.path, sha256: o.sha256, size: o.size })), bytes, indexes: collection.indexes };
}

for (const engine of engines()) {
  t.test(`backup and restore [${engine.name}]`, async (t) => {
    const api = await startInstance(engine.name, engine.databaseUrl);
    t.teardown(() => api.close());
    await seed(api);
    const before = await contents(api, 'app', api.adminToken);
    t.equal(before.records.length, 20);
    t.same(before.found, ['post 1', 'post 10', 'post 11', 'post 12', 'post 13', 'post 14', 'post 15', 'post 16', 'post 17', 'post 18', 'post 19'], 'the search index is there to be copied');
    t.equal(before.bytes[1].length, 100_000);
    const dir = tempDir('baas-backup-');
    t.teardown(() => dir.remove());

    const file = join(dir.path, 'all.tar.gz');
    const steps: string[] = [];
    const { manifest, size } = await createBackup(api.app.baas, { file, onProgress: (e) => e.kind === 'step' && steps.push(e.message) });
    t.ok(size > 0 && existsSync(file));
    t.match(manifest, { format: 'baas-backup', engine: engine.name, scope: 'instance', projects: [{ id: 'app', name: 'Test app', objects: 2 }] });
    t.ok(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
    t.match(steps[0], /^taking a consistent snapshot of the instance store and 1 project/);

    // one project of it, into the same instance under a new id
    const restored = await restoreProject(api.app.baas, { file, project: 'app', as: 'copy' });
    t.equal(restored.restoredAs, 'copy');
    t.same(await contents(api, 'copy', api.adminToken), before, 'the copy shows what the original did');
    const blobKeys = (await api.app.baas.registry.get('copy'))!.db;
    const keys = await blobKeys.all<{ blob_key: string }>((await import('drizzle-orm')).sql`SELECT blob_key FROM ${blobKeys.table('_objects')}`);
    t.ok(keys.every((k) => k.blob_key.startsWith('copy/')), 'its objects have blobs of their own');
    await api.request('DELETE', '/v1/admin/projects/copy', { token: api.adminToken });
    t.same(await contents(api, 'app', api.adminToken), before, 'deleting the copy leaves the original whole');

    await t.rejects(restoreProject(api.app.baas, { file, project: 'app' }), { code: 'conflict', message: /project 'app' exists/ });
    await t.rejects(restoreProject(api.app.baas, { file, project: 'nope', as: 'x' }), { code: 'invalid_backup', message: /holds no project 'nope' \(it holds app\)/ });

    // a damaged archive is refused and changes nothing
    const tar = gunzipSync(readFileSync(file));
    const at = tar.indexOf(Buffer.from('x'.repeat(1000)));
    tar[at] = 0x79;
    const damaged = join(dir.path, 'damaged.tar.gz');
    writeFileSync(damaged, gzipSync(tar));
    await t.rejects(restoreProject(api.app.baas, { file: damaged, project: 'app', as: 'broken' }), {
      code: 'invalid_backup',
      message: /damaged\.tar\.gz cannot be restored: blobs\/app\/\S+ does not match its checksum \(the archive is damaged\); nothing was changed/,
    });
    writeFileSync(damaged, readFileSync(file).subarray(0, 2000));
    await t.rejects(restoreProject(api.app.baas, { file: damaged, as: 'broken' }), { code: 'invalid_backup', message: /is not a readable baas backup/ });
    t.equal(await api.app.baas.registry.get('broken'), undefined, 'no project was made');

    // the whole instance, into a fresh data directory (and database)
    const fresh = tempDir('baas-restored-');
    t.teardown(() => fresh.remove());
    const database = engine.databaseUrl ? await createTempDatabase(engine.databaseUrl) : undefined;
    t.teardown(() => database?.drop());
    const config = loadConfig({ env: {}, overrides: { dataDir: join(fresh.path, 'data'), databaseUrl: database?.url, logLevel: 'silent', rateLimits: false } });
    await restoreInstance(config, { file });
    await t.rejects(restoreInstance(config, { file }), { code: 'conflict', message: /already holds an instance/ });
    const app = await buildApp(config);
    t.teardown(() => app.close());
    const { token } = await app.baas.admins.login('admin@example.com', 'correct horse battery');
    const other = { ...api, app, request: async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
      const res = await app.inject({ method: method as 'GET', url: path, headers: options.token ? { authorization: `Bearer ${options.token}` } : {}, payload: options.body as object });
      return { status: res.statusCode, body: String(res.headers['content-type']).includes('json') ? JSON.parse(res.body) : res.body, headers: res.headers };
    } };
    t.same(await contents(other, 'app', token), before, 'the restored instance shows every record and object');
    const write = await other.request('POST', '/v1/projects/app/collections/posts/records', { token: api.secret, body: { title: 'after' } });
    t.equal(write.status, 201, 'its secret key works and it takes writes');

    // a project backup restores into that other instance under a new id
    const single = join(dir.path, 'app.tar.gz');
    t.match((await createBackup(api.app.baas, { file: single, project: 'app' })).manifest, { scope: 'project', projects: [{ id: 'app' }] });
    await t.rejects(restoreInstance(loadConfig({ env: {}, overrides: { dataDir: join(fresh.path, 'other'), logLevel: 'silent' } }), { file: single }), engine.databaseUrl ? { code: 'invalid_backup' } : { message: /holds only project 'app': restore it into an instance with --project/ });
    await restoreProject(app.baas, { file: single, as: 'shop' });
    t.same(await contents(other, 'shop', token), before);
  });
}
