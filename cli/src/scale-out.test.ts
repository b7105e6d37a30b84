import t from 'tap';
import { postgresUrl, queryDatabase } from '@baas/testkit';
import { RealtimeClient, settle } from '../../server/test/realtime.ts';
import { startCluster, startProxy, within, type Cluster } from '../test/cluster.ts';

// Scale-out (docs/deployment.md): three real `baas serve` processes on one PostgreSQL
// database agree on schema, rules, projects and keys. A change made on one process must
// be enforced on the others within the state bound (bus message, else a re-read every
// stateCheckMs = 250 ms); the tests allow 3 s so a loaded CI machine does not flake, and
// print what they measured.
const pg = postgresUrl();
const BOUND_MS = 3000;
// Starting the processes and the kill -9 expiry (10 s) take most of the time; a loaded CI machine needs more than the default 120 s.
t.setTimeout(300_000);
const skip = pg ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)';

let cluster: Cluster;
t.before(async () => {
  if (!pg) return;
  cluster = await startCluster(pg, 3, 25100 + Math.floor(Math.random() * 80) * 10);
});
t.teardown(() => cluster?.close());

const p = (path: string) => `/v1/projects/shop${path}`;

t.test('a rule tightened on one process is enforced on the others, over HTTP and realtime', { skip }, async (t) => {
  const [a, b, c] = cluster.nodes;
  const open = { list: '', view: '', create: '', update: '', delete: '' };
  let res = await a.call('POST', p('/collections'), { token: cluster.secret, body: { name: 'notes', fields: [{ name: 'title', type: 'text' }], rules: open } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  // Seen elsewhere at once: the other processes had no catalog cached yet or heard the bump.
  t.ok(await within(BOUND_MS, async () => (await b.call('GET', p('/collections/notes/records'))).status === 200, 'new collection on b'), 'b serves the new collection');

  const guest = await RealtimeClient.connect(c.realtimeUrl());
  t.teardown(() => guest.close());
  t.match(await guest.call({ op: 'subscribe', id: 'g', collection: 'notes' }), { op: 'ack' });
  await a.call('POST', p('/collections/notes/records'), { body: { title: 'before' } });
  t.match(await guest.next((f) => f.op === 'change' && f.sub === 'g'), { record: { title: 'before' } }, 'the guest on c sees a change made on a');

  const locked = { list: null, view: null, create: null, update: null, delete: null };
  res = await a.call('PATCH', p('/collections/notes'), { token: cluster.secret, body: { rules: locked } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  const onB = await within(BOUND_MS, async () => (await b.call('GET', p('/collections/notes/records'))).status === 403, 'tightened list rule on b');
  t.comment(`tightened list rule enforced on b after ${onB} ms`);
  const createOnC = await c.call('POST', p('/collections/notes/records'), { body: { title: 'guest write' } });
  t.equal(createOnC.status, 403, 'c refuses a guest create');
  await a.call('POST', p('/collections/notes/records'), { token: cluster.secret, body: { title: 'after' } });
  await settle(500);
  t.same(guest.takeChanges('g').map((f) => f.record.title), [], 'the guest subscribed on c gets nothing written after the lock');
  t.match(await guest.call({ op: 'subscribe', id: 'g2', collection: 'notes', since: 0 }), { op: 'error', error: { code: 'forbidden' } }, 'and cannot replay with since: 0');

  res = await a.call('PATCH', p('/collections/notes'), { token: cluster.secret, body: { rules: open } });
  t.equal(res.status, 200);
  const loosened = await within(BOUND_MS, async () => (await c.call('GET', p('/collections/notes/records'))).status === 200, 'loosened rule on c');
  t.comment(`loosened list rule seen on c after ${loosened} ms`);
});

t.test('fields, collections and projects added, renamed and deleted on one process', { skip }, async (t) => {
  const [a, b, c] = cluster.nodes;
  const sk = cluster.secret;
  let res = await a.call('POST', p('/collections'), { token: sk, body: { name: 'posts', fields: [{ name: 'title', type: 'text' }] } });
  t.equal(res.status, 201);
  const titleId = res.body.fields[0].id;
  const first = (await b.call('POST', p('/collections/posts/records'), { token: sk, body: { title: 'one' } })).body;

  res = await a.call('PATCH', p('/collections/posts'), { token: sk, body: { fields: [...res.body.fields, { name: 'body', type: 'text' }] } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  await within(BOUND_MS, async () => (await b.call('POST', p('/collections/posts/records'), { token: sk, body: { title: 'two', body: 'new field' } })).status === 201, 'added field on b');
  t.pass('b accepts the field added on a');

  res = await a.call('PATCH', p('/collections/posts'), { token: sk, body: { fields: res.body.fields.map((f: any) => (f.id === titleId ? { ...f, name: 'headline' } : f)) } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  await within(BOUND_MS, async () => (await c.call('GET', p(`/collections/posts/records/${first.id}`), { token: sk })).body?.headline === 'one', 'renamed field on c');
  t.pass('c reads existing data under the new name');
  t.equal((await c.call('GET', p('/collections/posts/records'), { token: sk })).status, 200, 'no 500 after the rename');

  t.equal((await a.call('DELETE', p('/collections/posts'), { token: sk })).status, 204);
  await within(BOUND_MS, async () => (await b.call('GET', p('/collections/posts/records'), { token: sk })).status === 404, 'deleted collection on b');
  t.match((await b.call('GET', p('/collections/posts/records'), { token: sk })).body, { error: { code: 'collection_not_found' } });

  // A project deleted and created again under the same id on a: b and c see the new, empty one.
  const admin = cluster.adminToken;
  res = await a.call('POST', '/v1/admin/projects', { token: admin, body: { id: 'temp', name: 'Temp' } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const tempKey = res.body.keys[0].secret;
  t.equal((await a.call('POST', '/v1/projects/temp/collections', { token: tempKey, body: { name: 'old', fields: [] } })).status, 201);
  await within(BOUND_MS, async () => (await b.call('GET', '/v1/projects/temp/collections', { token: admin })).body?.items?.length === 1, 'temp on b');
  t.equal((await a.call('DELETE', '/v1/admin/projects/temp', { token: admin })).status, 204);
  await within(BOUND_MS, async () => (await b.call('GET', '/v1/projects/temp/collections', { token: admin })).status === 404, 'deleted project on b');
  t.match((await b.call('GET', '/v1/projects/temp/collections', { token: admin })).body, { error: { code: 'project_not_found' } }, '404, not 500');
  res = await a.call('POST', '/v1/admin/projects', { token: admin, body: { id: 'temp', name: 'Temp again' } });
  t.equal(res.status, 201);
  await within(BOUND_MS, async () => (await b.call('GET', '/v1/projects/temp/collections', { token: admin })).status === 200, 're-created project on b');
  t.same((await b.call('GET', '/v1/projects/temp/collections', { token: admin })).body.items, [], 'the re-created project has none of the old collections');
  t.same((await c.call('GET', '/v1/projects/temp/collections', { token: admin })).body.items, [], 'nor on c');
});

t.test('signing-key rotation on one process: new tokens verify everywhere at once, forged kids do not block them', { skip }, async (t) => {
  const [a, b, c] = cluster.nodes;
  const signup = await a.call('POST', p('/auth/signup'), { body: { email: 'rot@example.com', password: 'correct horse battery' } });
  t.equal(signup.status, 201, JSON.stringify(signup.body));
  t.equal((await b.call('GET', p('/auth/user'), { token: signup.body.session.accessToken })).status, 200);
  const rotated = await a.call('POST', p('/auth/keys/rotate'), { token: cluster.secret });
  t.equal(rotated.status, 200, JSON.stringify(rotated.body));
  // A token with a made-up kid first, as an attacker would send to make c stop looking.
  const [, payload, sig] = signup.body.session.accessToken.split('.');
  const forgedHeader = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'made-up' })).toString('base64url');
  t.equal((await c.call('GET', p('/auth/user'), { token: `${forgedHeader}.${payload}.${sig}` })).status, 401);
  const login = await a.call('POST', p('/auth/login'), { body: { email: 'rot@example.com', password: 'correct horse battery' } });
  t.equal(login.status, 200);
  const kid = JSON.parse(Buffer.from(login.body.session.accessToken.split('.')[0], 'base64url').toString()).kid;
  t.equal(kid, rotated.body.kid, 'signed by the new key');
  for (const node of [b, c]) t.equal((await node.call('GET', p('/auth/user'), { token: login.body.session.accessToken })).status, 200, 'the new key verifies on another process at once');
  const jwks = await within(BOUND_MS, async () => (await c.call('GET', p('/auth/jwks.json'))).body.keys.some((k: any) => k.kid === kid), 'new kid in c jwks');
  t.comment(`c's jwks.json lists the new key after ${jwks} ms`);
});

t.test('concurrent PATCHes of one collection on three processes leave definition and table in agreement', { skip }, async (t) => {
  const sk = cluster.secret;
  const columns = async () =>
    (await queryDatabase(cluster.databaseUrl, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'project_shop' AND table_name = 'race' ORDER BY column_name`))
      .map((r) => r.column_name as string)
      .filter((c) => !['id', 'created_at', 'updated_at'].includes(c));
  t.equal((await cluster.nodes[0].call('POST', p('/collections'), { token: sk, body: { name: 'race', fields: [{ name: 'base', type: 'text' }] } })).status, 201);
  for (let round = 0; round < 6; round++) {
    const { body: before } = await cluster.nodes[0].call('GET', p('/collections/race'), { token: sk });
    // Each process adds its own field to the same snapshot, at the same moment; one also renames base.
    const replies = await Promise.all(cluster.nodes.map((node, i) => {
      const fields = [...before.fields.map((f: any) => (i === 2 && f.name.startsWith('base') ? { ...f, name: `base${round}` } : f)), { name: `f${round}_${i}`, type: 'text' }];
      return node.call('PATCH', p('/collections/race'), { token: sk, body: { fields } });
    }));
    for (const reply of replies) t.ok([200, 400, 409].includes(reply.status), `round ${round}: ${reply.status} ${reply.status === 200 ? '' : JSON.stringify(reply.body)}`);
    t.ok(replies.some((r) => r.status === 200), `round ${round}: at least one applied`);
    const { body: after } = await cluster.nodes[1].call('GET', p('/collections/race'), { token: sk });
    const fields = after.fields.map((f: any) => f.name as string).sort();
    t.same(await columns(), fields, `round ${round}: the table's columns are the definition's fields`);
    const record = Object.fromEntries(fields.map((f: string) => [f, 'x']));
    for (const node of cluster.nodes) {
      const res = await within(BOUND_MS, async () => (await node.call('POST', p('/collections/race/records'), { token: sk, body: record })).status === 201, `write with every field on ${node.url}`);
      t.ok(res >= 0, `round ${round}: a write with every field succeeds on ${node.url}`);
    }
  }
});

t.test('readiness: /v1/health answers 503 while the database refuses connections or S3 is gone, 200 again after', { skip }, async (t) => {
  for (const node of cluster.nodes) t.same((await node.call('GET', '/v1/health')).body, { status: 'ok', database: 'postgres' }, 'ready with PostgreSQL and S3');
  // A fourth process reaches the same database through a proxy this test can cut.
  const db = new URL(cluster.databaseUrl);
  const proxyPort = cluster.basePort + 8;
  const proxy = await startProxy(proxyPort, { host: db.hostname, port: Number(db.port || 5432) });
  t.teardown(() => proxy.close());
  const viaProxy = new URL(cluster.databaseUrl);
  viaProxy.port = String(proxyPort);
  const d = await cluster.start(3, { BAAS_DATABASE_URL: viaProxy.toString() });
  t.teardown(() => d.server.stop());
  t.equal((await d.call('GET', '/v1/health')).status, 200);
  await proxy.refuse();
  let res = await d.call('GET', '/v1/health');
  t.equal(res.status, 503, 'not ready without its database');
  t.match(res.body, { error: { code: 'unavailable', details: { failing: [{ name: 'database' }] } } });
  t.equal((await cluster.nodes[0].call('GET', '/v1/health')).status, 200, 'the others are unaffected');
  await proxy.accept();
  await within(10_000, async () => (await d.call('GET', '/v1/health')).status === 200, 'ready again');
  t.equal((await d.call('GET', p('/collections'), { token: cluster.secret })).status, 200, 'and serving');
  await d.server.stop();

  await cluster.s3.stop();
  res = await cluster.nodes[1].call('GET', '/v1/health');
  t.equal(res.status, 503, 'not ready without S3');
  t.match(res.body, { error: { code: 'unavailable', details: { failing: [{ name: 'storage' }] } } });
  await cluster.s3.start();
  await within(10_000, async () => (await cluster.nodes[1].call('GET', '/v1/health')).status === 200, 'ready again with S3');
  t.pass('ready again with S3');
});

t.test('abuse limits are counted across processes: 10 password guesses per account, not 10 per process', { skip }, async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 14; i++) {
    const node = cluster.nodes[i % 3];
    statuses.push((await node.call('POST', p('/auth/login'), { body: { email: 'victim@example.com', password: `guess ${i}` } })).status);
  }
  t.same(statuses.slice(0, 10).filter((s) => s === 429), [], 'the first 10 guesses are answered');
  t.same(statuses.slice(10), [429, 429, 429, 429], 'the 11th and later get 429 on whichever process');
  const res = await cluster.nodes[2].call('POST', p('/auth/login'), { body: { email: 'victim@example.com', password: 'another' } });
  t.equal(res.status, 429);
  t.ok(Number(res.headers.get('retry-after')) > 0, 'with Retry-After');
  t.not((await cluster.nodes[0].call('POST', p('/auth/login'), { body: { email: 'someone-else@example.com', password: 'x' } })).status, 429, 'another account is not limited');
});

t.test('revocation follows a realtime connection that lives on another process', { skip }, async (t) => {
  const [a, b, c] = cluster.nodes;
  const sk = cluster.secret;
  const own = "owner = auth.id";
  t.equal((await a.call('POST', p('/collections'), { token: sk, body: { name: 'diary', fields: [{ name: 'owner', type: 'text' }, { name: 'title', type: 'text' }], rules: { list: own, view: own, create: '', update: '', delete: '' } } })).status, 201);
  const signup = await a.call('POST', p('/auth/signup'), { body: { email: 'rev@example.com', password: 'correct horse battery' } });
  const { accessToken } = signup.body.session;
  const userId = signup.body.user.id;
  const client = await RealtimeClient.connect(c.realtimeUrl());
  t.teardown(() => client.close());
  t.match(await client.call({ op: 'auth', id: 'auth', token: accessToken }), { op: 'ack' });
  await within(BOUND_MS, async () => (await client.call({ op: 'subscribe', id: 's', collection: 'diary' })).op === 'ack', 'subscribe on c');
  await b.call('POST', p('/collections/diary/records'), { token: sk, body: { owner: userId, title: 'before' } });
  t.match(await client.next((f) => f.op === 'change' && f.sub === 's'), { record: { title: 'before' } });

  const started = Date.now();
  t.equal((await a.call('POST', p('/auth/logout'), { token: accessToken })).status, 204, 'logout on a');
  t.match(await client.next((f) => f.op === 'error' && f.id === 's', BOUND_MS), { error: { code: 'access_revoked', details: { reason: 'session_ended' } } }, 'the subscription on c ends');
  t.comment(`logout on a ended the subscription on c after ${Date.now() - started} ms`);
  await b.call('POST', p('/collections/diary/records'), { token: sk, body: { owner: userId, title: 'after' } });
  await settle(500);
  t.same(client.takeChanges('s'), [], 'no later change reaches it');
});

t.test('a signed-in request after a logout is refused at once on the process that logged out, and on the others within the bus', { skip }, async (t) => {
  const [a, b, c] = cluster.nodes;
  const signup = await a.call('POST', p('/auth/signup'), { body: { email: 'cached@example.com', password: 'correct horse battery' } });
  t.equal(signup.status, 201, 'signup on a');
  const { accessToken } = signup.body.session;
  // Twice on each: the second is served from the process's session cache.
  for (const node of [a, b, c]) for (let i = 0; i < 2; i++) t.equal((await node.call('GET', p('/auth/user'), { token: accessToken })).status, 200);
  const started = Date.now();
  t.equal((await a.call('POST', p('/auth/logout'), { token: accessToken })).status, 204, 'logout on a');
  t.equal((await a.call('GET', p('/auth/user'), { token: accessToken })).status, 401, 'a refuses the very next request');
  for (const [name, node] of [['b', b], ['c', c]] as const) {
    await within(BOUND_MS, async () => (await node.call('GET', p('/auth/user'), { token: accessToken })).status === 401, `logout seen on ${name}`);
    t.pass(`${name} refuses the token`);
  }
  t.comment(`logout on a refused on b and c after ${Date.now() - started} ms`);
});

t.test('broadcast and presence reach members on other processes; a killed process\'s members leave', { skip }, async (t) => {
  const [a, b] = cluster.nodes;
  const res = await a.call('PUT', p('/realtime/settings'), { token: cluster.secret, body: { channelRule: '' } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  const x = await RealtimeClient.connect(a.realtimeUrl());
  const y = await RealtimeClient.connect(b.realtimeUrl());
  t.teardown(() => { x.close(); y.close(); });
  t.match(await x.call({ op: 'join', id: 'j', channel: 'room', presence: { name: 'x' } }), { op: 'ack' });
  const xState = await x.next((f) => f.op === 'presence' && f.event === 'state');
  t.same(xState.members.map((m: any) => m.presence.name), ['x']);
  t.match(await y.call({ op: 'join', id: 'j', channel: 'room', presence: { name: 'y' } }), { op: 'ack' });
  const yState = await y.next((f) => f.op === 'presence' && f.event === 'state');
  t.same(yState.members.map((m: any) => m.presence.name).sort(), ['x', 'y'], 'y on b sees x, who is on a');
  t.match(await x.next((f) => f.op === 'presence' && f.event === 'join', BOUND_MS), { member: { presence: { name: 'y' } } }, 'x on a hears y join on b');

  y.send({ op: 'broadcast', channel: 'room', event: 'hi', payload: { text: 'from b' } });
  t.match(await x.next((f) => f.op === 'broadcast', BOUND_MS), { channel: 'room', event: 'hi', payload: { text: 'from b' }, from: yState.self }, 'a broadcast on b reaches a');
  const big = 'é"\u0001'.repeat(6000); // ~30 kB: over NOTIFY's limit, sent in parts
  x.send({ op: 'broadcast', channel: 'room', event: 'big', payload: { big } });
  t.equal((await y.next((f) => f.op === 'broadcast' && f.event === 'big', BOUND_MS)).payload.big, big, 'a large broadcast arrives whole');

  // A member on a fourth process, which then dies without a word.
  const d = await cluster.start(4);
  const z = await RealtimeClient.connect(d.realtimeUrl());
  t.match(await z.call({ op: 'join', id: 'j', channel: 'room', presence: { name: 'z' } }), { op: 'ack' });
  t.same((await z.next((f) => f.op === 'presence' && f.event === 'state')).members.map((m: any) => m.presence.name).sort(), ['x', 'y', 'z']);
  await x.next((f) => f.op === 'presence' && f.event === 'join' && f.member.presence.name === 'z', BOUND_MS);
  d.server.child.kill('SIGKILL');
  const killed = Date.now();
  t.match(await x.next((f) => f.op === 'presence' && f.event === 'leave', 30_000), { member: { presence: { name: 'z' } } }, 'x hears z leave');
  t.match(await y.next((f) => f.op === 'presence' && f.event === 'leave', 30_000), { member: { presence: { name: 'z' } } }, 'and so does y');
  t.comment(`a kill -9'd process's member left after ${Date.now() - killed} ms`);
  const late = await RealtimeClient.connect(b.realtimeUrl());
  t.teardown(() => late.close());
  await late.call({ op: 'join', id: 'j', channel: 'room' });
  const names = (await late.next((f) => f.op === 'presence' && f.event === 'state')).members.map((m: any) => m.presence.name).filter(Boolean).sort();
  t.same(names, ['x', 'y'], 'a newcomer sees x and y, not z');
});
