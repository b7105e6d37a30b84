/**
 * The read path's caches (compiled serializers, row decoders, statement
 * shapes) follow schema changes: a change between two reads shows the new
 * shape on the next read, in this process and in another one.
 */
import t from 'tap';
import { createTempDatabase, postgresUrl, tempDir } from '@baas/testkit';
import { buildApp } from '../../../app.ts';
import { loadConfig } from '../../../config.ts';
import type { PostgresBus } from '../../../db/postgres-bus.ts';
import { forEachEngine } from '../../../../test/harness.ts';
import { signUp } from '../../../../test/auth.ts';

const rules = { list: '', view: '', create: null, update: null, delete: null };

forEachEngine(t, 'records reads: a schema change between two reads shows the new shape (get, list, expand)', async (t, api) => {
  const sk = api.secret;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.request(method, api.p(path), { token: sk, body });
    t.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status !== 204) t.equal(res.headers['content-type'], 'application/json; charset=utf-8', 'a JSON reply');
    return res.body;
  };
  await call('POST', '/collections', { name: 'authors', fields: [{ name: 'name', type: 'text' }, { name: 'age', type: 'integer' }], rules });
  await call('POST', '/collections', {
    name: 'items',
    fields: [{ name: 'title', type: 'text' }, { name: 'flag', type: 'boolean' }, { name: 'author', type: 'relation', collection: 'authors' }],
    rules,
  });
  await call('POST', '/collections/authors/records', { id: 'a1', name: 'Ann', age: 40 });
  await call('POST', '/collections/items/records', { id: 'i1', title: 'one', flag: true, author: 'a1' });

  const read = async () => ({
    get: await call('GET', '/collections/items/records/i1?expand=author'),
    list: (await call('GET', `/collections/items/records?filter=${encodeURIComponent("title = 'one'")}&sort=-title&expand=author&limit=5`)).items[0],
  });
  let before = await read();
  for (const r of [before.get, before.list]) {
    t.match(r, { id: 'i1', title: 'one', flag: true, author: 'a1', expand: { author: { id: 'a1', name: 'Ann', age: 40 } } });
  }

  // Add a field and drop one (flag holds data: named in drop).
  const items = await call('GET', '/collections/items');
  await call('PATCH', '/collections/items?drop=flag', { fields: [...items.fields.filter((f: any) => f.name !== 'flag'), { name: 'rank', type: 'number' }] });
  let after = await read();
  for (const r of [after.get, after.list]) {
    t.notOk('flag' in r, 'the dropped field is gone');
    t.equal(r.rank, null, 'the added field is there');
    t.equal(r.title, 'one');
  }

  // The related collection changes: its expanded records have the new shape.
  const authors = await call('GET', '/collections/authors');
  await call('PATCH', '/collections/authors?drop=age', { fields: [...authors.fields.filter((f: any) => f.name !== 'age'), { name: 'bio', type: 'json' }] });
  await call('PATCH', '/collections/authors/records/a1', { bio: { likes: ['x'] } });
  after = await read();
  for (const r of [after.get, after.list]) {
    t.same(r.expand.author.bio, { likes: ['x'] }, 'the expanded record has the new field');
    t.notOk('age' in r.expand.author, 'and not the dropped one');
  }

  // A renamed field, and a rule that now hides the record: caches keyed by the old shape must not answer.
  const now = await call('GET', '/collections/items');
  await call('PATCH', '/collections/items', { fields: now.fields.map((f: any) => (f.name === 'title' ? { ...f, name: 'heading' } : f)), rules: { ...rules, list: "heading != 'one'", view: "heading != 'one'" } });
  t.equal((await api.request('GET', api.p('/collections/items/records/i1'), { token: api.secret })).body.heading, 'one', 'the service role sees the renamed field');
  const guest = await api.request('GET', api.p('/collections/items/records/i1'));
  t.equal(guest.status, 404, 'the new view rule hides it from a guest');
  const guestList = await api.request('GET', api.p("/collections/items/records?sort=-heading&limit=5"));
  t.same(guestList.body.items, [], 'the new list rule hides it from a guest');
  before = after;
});

forEachEngine(t, 'records lists: one list shape, each caller gets the rows of its own rule values (the statement cache keys by them)', async (t, api) => {
  const sk = api.secret;
  const res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: { name: 'notes', fields: [{ name: 'owner', type: 'text' }, { name: 'n', type: 'integer' }], rules: { list: 'owner = auth.id || auth.role = "boss"', view: '', create: null, update: null, delete: null } },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const ann = (await signUp(api, 'ann@example.com')).user;
  const bob = await signUp(api, 'bob@example.com');
  for (const [owner, n] of [[ann.id, 1], [bob.user.id, 2], [bob.user.id, 3]] as const) {
    t.equal((await api.request('POST', api.p('/collections/notes/records'), { token: sk, body: { owner, n } })).status, 201);
  }
  const annToken = (await api.request('POST', api.p('/auth/login'), { body: { email: 'ann@example.com', password: 'correct horse battery' } })).body.session.accessToken;
  const path = api.p(`/collections/notes/records?sort=n&filter=${encodeURIComponent('n > 0')}&limit=10`);
  const ns = async (token?: string) => (await api.request('GET', path, { token })).body.items.map((r: any) => r.n);
  for (let round = 0; round < 2; round++) {
    t.same(await ns(annToken), [1], `ann sees hers (round ${round})`);
    t.same(await ns(bob.session.accessToken), [2, 3], `bob sees his (round ${round})`);
    t.same(await ns(), [], `a guest sees none (round ${round})`);
    t.same(await ns(sk), [1, 2, 3], `the service role sees all (round ${round})`);
  }
  // The role changes: the same shape, a new rule value.
  t.equal((await api.request('PATCH', api.p(`/users/${ann.id}`), { token: sk, body: { role: 'boss' } })).status, 200);
  const again = (await api.request('POST', api.p('/auth/login'), { body: { email: 'ann@example.com', password: 'correct horse battery' } })).body.session.accessToken;
  t.same(await ns(again), [1, 2, 3], 'ann as boss sees all');
  // A rule reading `now` is planned on every call (its value changes): still right.
  const notes = (await api.request('GET', api.p('/collections/notes'), { token: sk })).body;
  t.equal((await api.request('PATCH', api.p('/collections/notes'), { token: sk, body: { fields: notes.fields, rules: { ...notes.rules, list: "now > '2000-01-01' && owner = auth.id" } } })).status, 200);
  t.same(await ns(bob.session.accessToken), [2, 3], 'a rule reading now');
});

forEachEngine(t, 'records reads: fields= leaving out a field named constructor', async (t, api) => {
  const sk = api.secret;
  t.equal((await api.request('POST', api.p('/collections'), { token: sk, body: { name: 'odd', fields: [{ name: 'constructor', type: 'text' }, { name: 'n', type: 'integer' }], rules } })).status, 201);
  t.equal((await api.request('POST', api.p('/collections/odd/records'), { token: sk, body: { id: 'o1', constructor: 'c', n: 1 } })).status, 201);
  const got = await api.request('GET', api.p('/collections/odd/records/o1?fields=id,n'));
  t.equal(got.status, 200, JSON.stringify(got.body));
  t.strictSame(got.body, { id: 'o1', n: 1 });
  const listed = await api.request('GET', api.p('/collections/odd/records?fields=n'));
  t.equal(listed.status, 200, JSON.stringify(listed.body));
  t.strictSame(listed.body.items, [{ n: 1 }]);
});

// Two instances on one PostgreSQL database: two processes. The caches of b follow a's schema change.
const pg = postgresUrl();
t.test('records reads across processes: b shows the shape of a schema change made on a', { skip: pg ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTempDatabase(pg!);
  const dirs = [tempDir(), tempDir()];
  const open = (i: number) => buildApp(loadConfig({ env: {}, overrides: { dataDir: dirs[i].path, databaseUrl: database.url, logLevel: 'silent', rateLimits: false } }));
  const a = await open(0);
  const { keys } = await a.baas.projects.create('app', 'Test app');
  const b = await open(1);
  t.teardown(async () => {
    await a.close();
    await b.close();
    await database.drop();
    for (const dir of dirs) dir.remove();
  });
  await (b.baas.stores.bus as PostgresBus).ready;
  const call = async (app: typeof a, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => {
    const res = await app.inject({ method, url: `/v1/projects/app${path}`, headers: { authorization: `Bearer ${keys[0].secret}` }, payload: body as object | undefined });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  await call(a, 'POST', '/collections', { name: 'items', fields: [{ name: 'title', type: 'text' }], rules });
  await call(a, 'POST', '/collections/items/records', { id: 'i1', title: 'one' });
  t.same((await call(b, 'GET', '/collections/items/records/i1')).body.title, 'one', 'b reads it (and compiles its caches)');
  t.same((await call(b, 'GET', `/collections/items/records?filter=${encodeURIComponent("title = 'one'")}`)).body.items[0].title, 'one');

  const items = (await call(a, 'GET', '/collections/items')).body;
  t.equal((await call(a, 'PATCH', '/collections/items', { fields: [...items.fields, { name: 'rank', type: 'integer', default: 3 }] })).status, 200);
  const started = Date.now();
  let got;
  while (!('rank' in (got = (await call(b, 'GET', '/collections/items/records/i1')).body)) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
  t.equal(got.rank, 3, 'b: get has the new field');
  const listed = (await call(b, 'GET', `/collections/items/records?filter=${encodeURIComponent("title = 'one'")}`)).body.items[0];
  t.equal(listed.rank, 3, 'b: list has the new field');
});
