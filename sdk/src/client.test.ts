import t from 'tap';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { failure, startServer } from '../test/server.ts';
import { createClient, isBaasError } from './index.ts';

const { instance, url } = await startServer((fn) => t.teardown(fn));

t.test('health and admin sign-in', async (t) => {
  const client = createClient({ url: url + '/' });
  t.equal(client.url, url, 'trailing slash dropped');
  t.same(await client.health(), { status: 'ok', database: 'sqlite' });

  const bad = await failure(() => client.admin.login('admin@example.com', 'wrong password'));
  t.match(bad, { status: 401, code: 'invalid_credentials', message: 'wrong email or password' });
  t.ok(isBaasError(bad, 'invalid_credentials'));
  t.equal(client.credential, undefined, 'a failed login sets no token');

  const session = await client.admin.login('admin@example.com', 'correct horse battery');
  t.match(session, { token: /^adm_/, admin: { email: 'admin@example.com' } });
  t.equal(client.credential, session.token);
});

t.test('admin: projects list, create, conflict, delete', async (t) => {
  const client = createClient({ url, token: instance.adminToken });
  t.same((await client.admin.projects.list()).map((p) => p.id), ['app']);

  const created = await client.admin.projects.create('shop', { name: 'Shop' });
  t.match(created, { project: { id: 'shop', name: 'Shop' }, keys: [{ secret: /^sk_/ }] });

  const conflict = await failure(() => client.admin.projects.create('shop'));
  t.match(conflict, { status: 409, code: 'conflict', message: "project 'shop' exists" });
  const invalid = await failure(() => client.admin.projects.create('Bad Id'));
  t.match(invalid, { status: 400, code: 'validation_failed', details: { fields: { id: { code: String } } } });

  // the new project's key works for that project only
  const shop = createClient({ url, project: 'shop', key: created.keys[0].secret });
  t.equal((await shop.keys.list()).length, 1);
  const wrongProject = await failure(() => createClient({ url, project: 'app', key: created.keys[0].secret }).keys.list());
  t.match(wrongProject, { status: 401, code: 'invalid_token' });

  await client.admin.projects.delete('shop');
  t.same((await client.admin.projects.list()).map((p) => p.id), ['app']);
  t.match(await failure(() => client.admin.projects.delete('shop')), { status: 404, code: 'project_not_found' });

  const guest = await failure(() => createClient({ url }).admin.projects.list());
  t.match(guest, { status: 401, code: 'unauthorized' });
});

t.test('keys: list, create, revoke (project-scoped)', async (t) => {
  const client = createClient({ url, project: 'app', key: instance.secret });
  const before = await client.keys.list();
  t.equal(before.length, 1);
  t.notOk('secret' in before[0], 'listing never shows secrets');

  const key = await client.keys.create({ name: 'ci' });
  t.match(key, { name: 'ci', secret: /^sk_/, prefix: key.secret.slice(0, 10) });
  const withNew = createClient({ url, project: 'app', key: key.secret });
  t.equal((await withNew.keys.list()).length, 2);

  await client.keys.revoke(key.id);
  t.match(await failure(() => withNew.keys.list()), { status: 401, code: 'invalid_token' });
  t.match(await failure(() => client.keys.revoke(key.id)), { status: 404, code: 'key_not_found' });

  // an admin token may manage any project's keys
  const admin = createClient({ url, project: 'app', token: instance.adminToken });
  t.equal((await admin.keys.list()).length, 1);
  t.match(await failure(() => createClient({ url, project: 'nope', token: instance.adminToken }).keys.list()), { status: 404, code: 'project_not_found' });
  await t.rejects(() => createClient({ url }).keys.list(), TypeError, 'project-scoped calls need a project');
});

t.test('collections and records', async (t) => {
  const client = createClient({ url, project: 'app', key: instance.secret });
  const posts = await client.collections.create({
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'votes', type: 'integer', default: 0 },
    ],
    rules: { list: '', view: '', create: null, update: null, delete: null },
  });
  t.match(posts, { name: 'posts', fields: [{ name: 'title', id: String }, { name: 'votes' }] });
  t.same((await client.collections.list()).map((c) => c.name), ['posts']);
  t.equal((await client.collections.get('posts')).name, 'posts');
  const updated = await client.collections.update('posts', { fields: [...posts.fields, { name: 'tag', type: 'text' }] });
  t.same(updated.fields.map((f) => f.name), ['title', 'votes', 'tag']);
  t.match(await failure(() => client.collections.get('nope')), { status: 404, code: 'collection_not_found' });

  type Post = { title: string; votes: number; tag?: string | null };
  const records = client.collection<Post>('posts');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await records.create({ title: `Post ${i}`, votes: i })).id);
  const mine = await records.create({ id: 'my-own-id', title: 'offline' });
  t.equal(mine.id, 'my-own-id', 'a client may supply the id');

  const page = await records.list({ filter: 'votes >= 1', sort: ['-votes'], limit: 2, count: true });
  t.same(page.items.map((r) => r.votes), [4, 3]);
  t.equal(page.total, 4);
  t.type(page.nextCursor, 'string');
  const next = await records.list({ filter: 'votes >= 1', sort: '-votes', limit: 2, cursor: page.nextCursor! });
  t.same(next.items.map((r) => r.votes), [2, 1]);

  const all: number[] = [];
  for await (const r of records.iterate({ sort: 'votes', limit: 2, fields: ['id', 'votes'] })) all.push(r.votes);
  t.same(all, [0, 0, 1, 2, 3, 4]);

  const one = await records.getOne(ids[2], { fields: 'id,title' });
  t.same(Object.keys(one).sort(), ['id', 'title']);
  t.equal((await records.update(ids[2], { tag: 'x' }))?.tag, 'x');
  await records.delete(ids[2]);
  t.match(await failure(() => records.getOne(ids[2])), { status: 404, code: 'record_not_found' });

  const invalid = await failure(() => records.create({ votes: 1 }));
  t.match(invalid, { status: 400, code: 'validation_failed', details: { fields: { title: {} } } });
  t.match(await failure(() => records.list({ filter: 'votes >>> 1' })), { status: 400, code: 'invalid_filter' });

  // removing a field that holds data needs it said: the error names it, `drop` consents
  await records.update(ids[3], { tag: 'y' });
  const withoutTag = (await client.collections.get('posts')).fields.filter((f) => f.name !== 'tag');
  t.match(await failure(() => client.collections.update('posts', { fields: withoutTag })), { status: 409, code: 'would_drop_data', details: { drop: [{ field: 'tag', records: 1 }] } });
  t.same((await client.collections.update('posts', { fields: withoutTag }, { drop: ['tag'] })).fields.map((f) => f.name), ['title', 'votes']);

  // rules apply to a guest: list is open, create is locked
  const guest = createClient({ url, project: 'app' }).collection<Post>('posts');
  t.equal((await guest.list()).items.length, 5);
  t.match(await failure(() => guest.create({ title: 'no' })), { status: 403, code: 'forbidden' });

  await client.collections.delete('posts');
  t.same(await client.collections.list(), []);
});

t.test('network failures are network_error with status 0', async (t) => {
  const port = await closedPort();
  const err = await failure(() => createClient({ url: `http://127.0.0.1:${port}` }).health());
  t.match(err, { status: 0, code: 'network_error', message: `the server is not reachable at http://127.0.0.1:${port} (ECONNREFUSED)` });
});

t.test('a reply that is not the API envelope', async (t) => {
  const fake = (async () => new Response('<html>bad gateway</html>', { status: 502 })) as typeof fetch;
  const err = await failure(() => createClient({ url, fetch: fake }).health());
  t.match(err, { status: 502, code: 'unexpected_response', message: /^HTTP 502: <html>/ });
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
