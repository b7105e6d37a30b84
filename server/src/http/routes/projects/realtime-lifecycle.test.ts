/** Covers realtime/index.ts, connection.ts, auth.ts (heartbeats, idle timeouts, token expiry, shutdown) through the WebSocket route. */
import t from 'tap';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { engines } from '@baas/testkit';
import type { Config } from '../../../config.ts';
import { startInstance, type TestInstance } from '../../../../test/harness.ts';
import { listenRealtime, RealtimeClient, settle, type Frame } from '../../../../test/realtime.ts';

// The lifecycle of a realtime connection: heartbeats (4001), the idle timeout
// (4000), and the identity over time (re-auth after a refresh, token expiry).

// The tests mostly wait for timers, each on its own instance: let them wait together.
t.jobs = 4;

const ownerRule = 'auth.id != null && owner = auth.id';
const password = 'correct horse battery';

type Instance = TestInstance & { close(): Promise<void> };

/** Like forEachEngine, with config overrides; `engineNames` narrows it where the database does not matter. */
function eachEngine(
  name: string,
  overrides: Partial<Config>,
  fn: (t: any, api: Instance) => Promise<void>,
  engineNames: Array<'sqlite' | 'postgres'> = ['sqlite', 'postgres'],
): void {
  for (const engine of engines().filter((e) => engineNames.includes(e.name))) {
    t.test(`${name} [${engine.name}]`, async (t: any) => {
      const api = await startInstance(engine.name, engine.databaseUrl, overrides);
      t.teardown(() => api.close());
      await fn(t, api);
    });
  }
}

/** A `notes` collection readable by its owner, a listening server, and helpers. */
async function setup(t: any, api: Instance, accessTokenTtl?: number) {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: {
      name: 'notes',
      fields: [{ name: 'owner', type: 'text' }, { name: 'title', type: 'text' }],
      rules: { list: ownerRule, view: ownerRule, create: '', update: '', delete: '' },
    },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  if (accessTokenTtl !== undefined) {
    const s = await api.request('PATCH', api.p('/auth/settings'), { token: api.secret, body: { accessTokenTtl } });
    if (s.status !== 200) throw new Error(`auth settings: ${s.status} ${JSON.stringify(s.body)}`);
  }
  const url = await listenRealtime(api);
  const write = async (owner: string, title: string) => {
    const r = await api.request('POST', api.p('/collections/notes/records'), { token: api.secret, body: { owner, title } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`write: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string };
  };
  /** Signs up (first call) or logs in: the user's id and a fresh session. */
  const session = async (email: string) => {
    let r = await api.request('POST', api.p('/auth/signup'), { body: { email, password } });
    if (r.status === 409) r = await api.request('POST', api.p('/auth/login'), { body: { email, password } });
    if (r.status !== 200 && r.status !== 201) throw new Error(`session: ${r.status} ${JSON.stringify(r.body)}`);
    return { id: r.body.user.id as string, accessToken: r.body.session.accessToken as string, refreshToken: r.body.session.refreshToken as string };
  };
  const refresh = async (refreshToken: string) => {
    const r = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken } });
    if (r.status !== 200) throw new Error(`refresh: ${r.status} ${JSON.stringify(r.body)}`);
    return { accessToken: r.body.session.accessToken as string, refreshToken: r.body.session.refreshToken as string };
  };
  const connect = async (token?: string) => {
    const client = await RealtimeClient.connect(url);
    t.teardown(() => client.close());
    if (token) {
      const ack = await client.call({ op: 'auth', id: 'auth', token });
      if (ack.op !== 'ack') throw new Error(JSON.stringify(ack));
    }
    return client;
  };
  return { url, write, session, refresh, connect };
}

/** The token's expiry, in ms since the epoch. */
const expiryOf = (token: string) => decodeJwt(token).exp! * 1000;
const sleepUntil = (at: number) => settle(Math.max(0, at - Date.now()));
const isOpen = (c: RealtimeClient) => c.socket.readyState === WebSocket.OPEN;
/** `promise`, or a failure after `ms` (a close that never comes fails the test, not the file's timeout). */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, settle(ms).then(() => { throw new Error(`${what}: not within ${ms} ms`); })]);
const errorsOf = (c: RealtimeClient) => c.frames.filter((f: Frame) => f.op === 'error');

// --- heartbeats (no database involved: SQLite only) ---

eachEngine('realtime: a client that answers pings stays open; one that does not is closed with 4001', { realtimeHeartbeatSeconds: 1 }, async (t, api) => {
  const { url, connect } = await setup(t, api);
  const alive = await connect();
  let alivePings = 0;
  alive.socket.on('ping', () => alivePings++);

  // A dead peer: a real ws client that never answers pings (ws >= 8.16 `autoPong: false`).
  const opened = Date.now();
  const dead = new WebSocket(url, { autoPong: false });
  t.teardown(() => dead.terminate());
  const pingsAt: number[] = [];
  dead.on('ping', () => pingsAt.push(Date.now()));
  const deadClosed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    dead.on('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
  await new Promise((resolve, reject) => dead.once('open', resolve).once('error', reject));

  const { code, reason, at } = await within(deadClosed, 5000, 'the dead peer closed');
  t.equal(code, 4001, 'no pong: closed with 4001');
  t.match(reason, /pong/);
  t.ok(pingsAt.length >= 1, `the server pinged first (${pingsAt.length} ping(s))`);
  t.ok(at - pingsAt[0] >= 900, `closed a heartbeat interval after the unanswered ping (${at - pingsAt[0]} ms)`);
  t.ok(at - opened < 4000, `and not much later (${at - opened} ms after opening)`);

  // The answering client lives on across several intervals, and still works.
  await sleepUntil(opened + 2600);
  t.ok(isOpen(alive), 'the client answering pings is still open');
  t.ok(alivePings >= 2, `it was pinged across several intervals (${alivePings})`);
  t.match(await alive.call({ op: 'join', id: 'still', channel: 'room' }), { op: 'error', error: { code: 'forbidden' } }, 'and its messages are still answered');
}, ['sqlite']);

// --- the idle timeout (SQLite only) ---

eachEngine('realtime: a connection with nothing subscribed or joined is closed with 4000; one with a subscription or channel is not', { realtimeIdleSeconds: 1 }, async (t, api) => {
  const { write, session, connect } = await setup(t, api);
  const alice = await session('alice@example.com');
  const opened = Date.now();
  const bare = await connect();
  const subscribed = await connect(alice.accessToken);
  const member = await connect(alice.accessToken);
  const talker = await connect();
  const quitter = await connect(alice.accessToken);
  t.match(await subscribed.call({ op: 'subscribe', id: 's', collection: 'notes' }), { op: 'ack' });
  t.match(await member.call({ op: 'join', id: 'j', channel: 'room' }), { op: 'ack' });
  t.match(await quitter.call({ op: 'subscribe', id: 'q', collection: 'notes' }), { op: 'ack' });
  // a client that keeps sending messages (here, ones that fail) is not idle
  const chatter = setInterval(() => talker.send({ op: 'unsubscribe', id: 'none' }), 300);
  t.teardown(() => clearInterval(chatter));

  const bareClosed = await within(bare.closed, 3000, 'the idle connection closed');
  const bareAfter = Date.now() - opened;
  t.equal(bareClosed.code, 4000, 'nothing subscribed: closed with 4000');
  t.match(bareClosed.reason, /idle/);
  t.ok(bareAfter >= 900 && bareAfter < 2500, `after the idle timeout (${bareAfter} ms)`);

  // The quitter unsubscribes: idle from then on, it is closed one idle timeout later.
  t.match(await quitter.call({ op: 'unsubscribe', id: 'q' }), { op: 'ack' });
  const quit = Date.now();
  const quitterClosed = await within(quitter.closed, 3000, 'the idle-again connection closed');
  t.equal(quitterClosed.code, 4000, 'idle again after unsubscribing: closed with 4000');
  t.ok(Date.now() - quit >= 900, `counted from its last message (${Date.now() - quit} ms)`);

  await sleepUntil(opened + 2200);
  t.ok(isOpen(subscribed), 'with a subscription: open after 2 idle timeouts');
  t.ok(isOpen(member), 'in a channel: open');
  t.ok(isOpen(talker), 'sending messages: open');
  clearInterval(chatter);
  const note = await write(alice.id, 'still delivered');
  t.match(await subscribed.next((f) => f.op === 'change'), { sub: 's', record: { id: note.id } }, 'the subscription still delivers');
}, ['sqlite']);

// When the token expiry ends a connection's subscriptions it becomes idle: it
// must get the idle timeout from then on to refresh, re-auth and subscribe
// again, not be dropped at once because its last message is older than that.
eachEngine('realtime: after its subscriptions end by token expiry, a connection has a full idle timeout to re-auth', { realtimeIdleSeconds: 1 }, async (t, api) => {
  const { write, session, refresh, connect } = await setup(t, api, 3);
  const alice = await session('alice@example.com');
  const idler = await session('alice@example.com');
  const a = await connect(alice.accessToken);
  const b = await connect(idler.accessToken);
  t.match(await a.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  t.match(await b.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  let bExpired = 0;
  b.socket.on('message', (data) => {
    if (JSON.parse(String(data)).op === 'error') bExpired ||= Date.now();
  });
  // no message from here on: at the expiry, the last one is older than the idle timeout
  t.match(await a.next((f) => f.op === 'error', 4000), { id: 'mine', error: { code: 'token_expired' } });
  const expired = Date.now();
  const fresh = await refresh(alice.refreshToken);
  await settle(600 - (Date.now() - expired)); // a client taking its time to refresh
  t.ok(isOpen(a), 'still open 600 ms after the expiry');
  t.match(await a.call({ op: 'auth', id: 'again', token: fresh.accessToken }), { op: 'ack' });
  t.match(await a.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  const note = await write(alice.id, 'after re-auth');
  t.match(await a.next((f) => f.op === 'change'), { sub: 'mine', record: { id: note.id } });

  // the one that does nothing about it is still closed for idleness, an idle timeout after its expiry
  t.match(await b.next((f) => f.op === 'error', 4000), { id: 'mine', error: { code: 'token_expired' } });
  t.equal((await within(b.closed, 3000, 'the idle connection closed')).code, 4000);
  t.ok(Date.now() - bExpired >= 900, `closed an idle timeout after the expiry (${Date.now() - bExpired} ms)`);
}, ['sqlite']);

// --- identity over time ---

eachEngine('realtime: after a token refresh, auth with the new token keeps the subscriptions delivering as the same user', {}, async (t, api) => {
  const { write, session, refresh, connect } = await setup(t, api);
  const alice = await session('alice@example.com');
  const bob = await session('bob@example.com');
  const a = await connect(alice.accessToken);
  t.match(await a.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  const before = await write(alice.id, 'before');
  t.match(await a.next((f) => f.op === 'change'), { sub: 'mine', record: { id: before.id } });

  const fresh = await refresh(alice.refreshToken);
  t.not(fresh.refreshToken, alice.refreshToken, 'a new pair (within the same second the access token may be the same)');
  t.match(await a.call({ op: 'auth', id: 'reauth', token: fresh.accessToken }), { op: 'ack', id: 'reauth' });
  await write(bob.id, 'not hers');
  const after = await write(alice.id, 'after');
  t.match(await a.next((f) => f.op === 'change'), { sub: 'mine', record: { id: after.id, title: 'after' } }, 'still delivering');
  await settle();
  t.same(a.takeChanges('mine'), [], 'still judged as alice: nothing of bob\'s');
  t.same(errorsOf(a), [], 'no error frame (no token_expired)');
  // the old refresh token was spent by the refresh; the new one works again
  t.ok((await refresh(fresh.refreshToken)).accessToken, 'the refreshed pair refreshes again');
});

eachEngine('realtime: with a short access TTL, a subscription ends with token_expired unless the client re-auths before the expiry', {}, async (t, api) => {
  const { write, session, refresh, connect } = await setup(t, api, 3);
  const alice = await session('alice@example.com');
  const stale = await connect(alice.accessToken);
  const renewed = await connect(alice.accessToken);
  for (const c of [stale, renewed]) t.match(await c.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  const firstExpiry = expiryOf(alice.accessToken);
  const first = await write(alice.id, 'first');
  for (const c of [stale, renewed]) t.match(await c.next((f) => f.op === 'change'), { record: { id: first.id } });

  // A second before the expiry (in the next whole second, so the new token expires later): refresh and re-auth.
  await sleepUntil(firstExpiry - 1000 + 50);
  const fresh = await refresh(alice.refreshToken);
  const secondExpiry = expiryOf(fresh.accessToken);
  t.ok(secondExpiry > firstExpiry, 'the refreshed token expires later');
  t.ok(Date.now() < firstExpiry - 500, 'the re-auth happens before the expiry');
  t.match(await renewed.call({ op: 'auth', id: 'reauth', token: fresh.accessToken }), { op: 'ack' });

  // Past the first expiry: the stale client's subscription ended, the renewed one's did not.
  t.match(await stale.next((f) => f.op === 'error', 3000), { op: 'error', id: 'mine', error: { code: 'token_expired' } }, 'without re-auth: token_expired');
  t.ok(Date.now() >= firstExpiry - 50, 'at the token\'s expiry, not before');
  await sleepUntil(firstExpiry + 300);
  t.ok(Date.now() < secondExpiry - 500, 'still well before the second expiry');
  const second = await write(alice.id, 'second');
  t.match(await renewed.next((f) => f.op === 'change'), { sub: 'mine', record: { id: second.id } }, 'with re-auth: still delivering');
  await settle();
  t.same(errorsOf(renewed), [], 'and no token_expired for the re-authenticated client');
  t.same(stale.takeChanges('mine'), [], 'the ended subscription gets nothing more');
  t.ok(isOpen(stale), 'the connection itself stays open (as a guest)');

  // The re-auth moved the expiry; it did not remove it (a timer of the connection: checked on one engine).
  if (api.engine !== 'sqlite') return;
  t.match(await renewed.next((f) => f.op === 'error', 3000), { id: 'mine', error: { code: 'token_expired' } }, 'the new token\'s expiry ends it in turn');
  t.ok(Date.now() >= secondExpiry - 50, 'at the new token\'s expiry');
});

t.test('a refused upgrade (unknown project, bad token) gets its status and does not hold the server open', async (t) => {
  const api = await startInstance('sqlite');
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (api.app.server.address() as { port: number }).port;
  const refused = (path: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
  t.equal(await refused('/v1/projects/nope/realtime'), 404);
  t.equal(await refused('/v1/projects/app/realtime', { authorization: 'Bearer not-a-token' }), 401);
  // Before the WebSocket plugin ran ahead of the actor hook, these sockets stayed open and close() never returned.
  const closed = await Promise.race([api.close().then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
  t.equal(closed, true, 'the server closes');
});
