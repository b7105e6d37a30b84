import t from 'tap';
import { createClient, isBaasError, type BaasError, type RecordEvent } from '../index.ts';
import { setup, socketKit, waitFor } from '../../test/realtime.ts';

// The shared socket of a client against a real server: lazy open and idle
// close, the events of each kind of subscription, rules, reconnect with
// resume, since_too_old, and re-authentication.

// Retention keeps one change: a prune then makes any older `since` too old.
const env = await setup((fn) => t.teardown(fn), { changeLogRetentionRows: 1 });
const { admin } = env;
const todos = admin.collection('todos');

type Todo = { id: string; title: string; done: boolean; rank: number | null };

/** Collects a subscription's events and its ready / reset / error calls. */
function collector() {
  const c = {
    events: [] as RecordEvent<Todo>[],
    ready: 0,
    resets: 0,
    errors: [] as BaasError[],
    push: (e: RecordEvent<any>) => void c.events.push(e),
    options: { onReady: () => c.ready++, onReset: () => c.resets++, onError: (e: BaasError) => void c.errors.push(e) },
    /** `action:title` of each event. */
    seen: () => c.events.map((e) => `${e.action}:${e.record.title}`),
  };
  return c;
}

t.test('the socket opens on the first subscription and closes after the last one ends', async (t) => {
  const kit = await socketKit();
  const client = env.client({ realtime: { WebSocket: kit.Socket, closeDelay: 200 } });
  await client.collection('todos').list();
  t.equal(kit.made, 0, 'no socket before anything is subscribed');
  t.equal(env.sockets(), 0);

  const a = collector();
  const b = collector();
  const stopA = client.collection('todos').subscribe('*', a.push, a.options);
  const stopB = client.collection('todos').subscribe('*', b.push, b.options);
  await waitFor(() => a.ready && b.ready, 'both acks');
  t.equal(kit.made, 1, 'one socket for both subscriptions');
  t.equal(env.sockets(), 1);
  t.ok(client.realtime.connected);

  stopA();
  stopA(); // idempotent
  stopB();
  // Subscribing again within the grace period reuses the socket.
  const c = collector();
  const stopC = client.collection('todos').subscribe('*', c.push, c.options);
  await waitFor(() => c.ready, 'ack after resubscribing');
  t.equal(kit.made, 1, 'the socket was kept through the grace period');
  await todos.create({ title: 'one' });
  await waitFor(() => c.events.length === 1, 'the event');
  t.same(a.events, [], 'an ended subscription gets nothing');

  stopC();
  await waitFor(() => env.sockets() === 0, 'the server to see the socket closed');
  t.notOk(client.realtime.connected);
  t.equal(kit.made, 1, 'no reconnect after an idle close');

  const noProject = createClient({ url: env.url });
  t.throws(() => noProject.collection('todos').subscribe('*', () => {}), TypeError, 'a client without a project cannot subscribe');
  t.throws(() => noProject.realtime.channel('x').join(), TypeError);
  noProject.close();
});

t.test('create, update and delete of a whole collection (the ws package, loaded on demand)', async (t) => {
  t.equal(typeof globalThis.WebSocket, 'undefined', 'Node 20: no global WebSocket, so the ws package is used');
  const client = env.client();
  const c = collector();
  client.collection<Todo>('todos').subscribe('*', c.push, c.options);
  await waitFor(() => c.ready, 'ack');
  const created = await todos.create({ title: 'write' });
  await todos.update(created.id, { title: 'write tests' });
  await todos.delete(created.id);
  await waitFor(() => c.events.length === 3, 'three events');
  t.same(c.seen(), ['create:write', 'update:write tests', 'delete:write tests']);
  t.match(c.events[0].record, { id: created.id, title: 'write', done: false, created_at: String });
  t.ok(c.events[0].seq < c.events[1].seq && c.events[1].seq < c.events[2].seq, 'seqs increase');
});

t.test('a filtered subscription gets enter and leave; a record id subscription only its record', async (t) => {
  const client = env.client();
  const open = collector();
  const one = collector();
  const byString = collector();
  // A string that is not an id is a filter.
  client.collection<Todo>('todos').subscribe("done = false && title ~ 'f:'", open.push, open.options);
  await waitFor(() => open.ready, 'ack');
  const target = await todos.create({ title: 'f:target' });
  client.collection<Todo>('todos').subscribe({ id: target.id }, one.push, one.options);
  client.collection<Todo>('todos').subscribe(target.id, byString.push, byString.options); // an id-like string is an id
  await waitFor(() => one.ready && byString.ready, 'acks');

  await todos.update(target.id, { title: 'f:target 2' });
  await todos.update(target.id, { done: true }); // leaves the filter
  await todos.update(target.id, { title: 'f:target 3' }); // unseen by the filter
  await todos.update(target.id, { done: false }); // enters again
  const other = await todos.create({ title: 'f:other', done: true }); // never matches
  await todos.delete(other.id);
  await todos.create({ title: 'f:last' });
  await todos.delete(target.id);
  await waitFor(() => open.events.length >= 6 && one.events.length >= 5 && byString.events.length >= 5, 'the events');
  t.same(open.seen(), ['create:f:target', 'update:f:target 2', 'leave:f:target 2', 'enter:f:target 3', 'create:f:last', 'delete:f:target 3']);
  t.equal(open.events[2].record.done, false, 'leave carries the record as the subscriber last saw it');
  const ofOne = ['update:f:target 2', 'update:f:target 2', 'update:f:target 3', 'update:f:target 3', 'delete:f:target 3'];
  t.same(one.seen(), ofOne);
  t.same(byString.seen(), ofOne);
});

t.test('a refused subscription ends with onError (a BaasError with status 0)', async (t) => {
  const kit = await socketKit();
  const client = env.client({ realtime: { WebSocket: kit.Socket, closeDelay: 50 } });
  const bad = collector();
  const missing = collector();
  client.collection('todos').subscribe({ filter: 'nope = 1' }, bad.push, bad.options);
  client.collection('nothing').subscribe('*', missing.push, missing.options);
  await waitFor(() => bad.errors.length && missing.errors.length, 'the errors');
  t.ok(isBaasError(bad.errors[0], 'invalid_filter'));
  t.match(bad.errors[0], { status: 0, code: 'invalid_filter', message: /nope/, details: { position: Number } });
  t.match(missing.errors[0], { status: 0, code: 'collection_not_found' });
  t.equal(bad.ready + missing.ready, 0);
  await waitFor(() => !client.realtime.connected && kit.open() === 0, 'the socket to close: nothing is left');
});

t.test('rules: a user gets only the changes its list rule lets it see', async (t) => {
  await admin.collections.create({
    name: 'notes',
    fields: [{ name: 'owner', type: 'text' }, { name: 'title', type: 'text' }],
    rules: { list: 'owner = auth.id', view: 'owner = auth.id', create: null, update: null, delete: null },
  });
  const notes = admin.collection('notes');
  const ann = await env.signUp('ann@example.com');
  const bob = await env.signUp('bob@example.com');
  const forAnn = collector();
  const forBob = collector();
  const guest = collector();
  env.client({ token: ann.token }).collection('notes').subscribe('*', forAnn.push, forAnn.options);
  env.client({ token: bob.token }).collection('notes').subscribe('*', forBob.push, forBob.options);
  env.client({ key: undefined }).collection('notes').subscribe('*', guest.push, guest.options);
  await waitFor(() => forAnn.ready && forBob.ready && guest.ready, 'acks');

  await notes.create({ owner: ann.id, title: 'ann 1' });
  await notes.create({ owner: bob.id, title: 'bob 1' });
  await notes.create({ owner: ann.id, title: 'ann 2' });
  await waitFor(() => forAnn.events.length >= 2 && forBob.events.length >= 1, 'the events');
  await todos.create({ title: 'a marker: later notes would have arrived by now' });
  t.same(forAnn.seen(), ['create:ann 1', 'create:ann 2']);
  t.same(forBob.seen(), ['create:bob 1']);
  t.same(guest.seen(), [], 'a guest sees none');
});

t.test('reconnect: every change made while disconnected arrives once, in order', async (t) => {
  const kit = await socketKit();
  const client = env.client({ realtime: { WebSocket: kit.Socket, reconnectDelay: { min: 20, max: 200 } } });
  const all = collector();
  const open = collector();
  client.collection<Todo>('todos').subscribe('*', all.push, all.options);
  client.collection<Todo>('todos').subscribe({ filter: "title ~ 'r:' && done = false" }, open.push, open.options);
  await waitFor(() => all.ready && open.ready, 'acks');
  const first = await todos.create({ title: 'r:1' });
  await waitFor(() => all.events.length === 1 && open.events.length === 1, 'the first event');

  kit.blocked = true;
  env.dropAll();
  await waitFor(() => !client.realtime.connected, 'the client to see the drop');
  // Writes while the client cannot get back in (its attempts fail, with backoff).
  const written = [first.id];
  for (let i = 2; i <= 6; i++) written.push((await todos.create({ title: `r:${i}` })).id);
  await todos.update(first.id, { done: true });
  await todos.delete(written[1]);
  await waitFor(() => kit.made >= 3, 'failed reconnect attempts');
  t.equal(all.events.length, 1, 'nothing arrives while disconnected');

  kit.blocked = false;
  await waitFor(() => all.events.length >= 8 && open.events.length >= 7, 'the missed changes');
  await todos.create({ title: 'r:live' });
  await waitFor(() => all.events.length >= 9, 'a live change after the resume');
  t.same(all.seen(), ['create:r:1', 'create:r:2', 'create:r:3', 'create:r:4', 'create:r:5', 'create:r:6', 'update:r:1', 'delete:r:2', 'create:r:live']);
  t.same(open.seen(), ['create:r:1', 'create:r:2', 'create:r:3', 'create:r:4', 'create:r:5', 'create:r:6', 'leave:r:1', 'delete:r:2', 'create:r:live']);
  const seqs = all.events.map((e) => e.seq);
  t.same(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'no duplicates, in seq order');
  t.equal(all.resets, 0, 'no reset: nothing was lost');
  t.equal(env.sockets() >= 1, true);
});

t.test('since_too_old: the subscription goes on live and onReset says events were lost', async (t) => {
  const kit = await socketKit();
  const client = env.client({ realtime: { WebSocket: kit.Socket, reconnectDelay: { min: 20, max: 100 } } });
  const c = collector();
  client.collection<Todo>('todos').subscribe('*', c.push, c.options);
  await waitFor(() => c.ready, 'ack');
  await todos.create({ title: 'o:1' });
  await waitFor(() => c.events.length === 1, 'the first event');

  kit.blocked = true;
  env.dropAll();
  await waitFor(() => !client.realtime.connected, 'the drop');
  await todos.create({ title: 'o:2' });
  await todos.create({ title: 'o:3' });
  t.ok((await env.instance.app.baas.realtime.prune()) > 0, 'retention pruned the log (it keeps 1 change)');
  kit.blocked = false;

  await waitFor(() => c.resets === 1, 'onReset');
  await todos.create({ title: 'o:4' });
  await waitFor(() => c.events.length >= 2, 'a live change');
  t.same(c.seen(), ['create:o:1', 'create:o:4'], 'the lost changes are not replayed; live ones follow');
  t.same(c.errors, []);
});

t.test('token expiry: after setToken with a new token the subscription resumes without loss; signing out drops the user', async (t) => {
  await env.instance.request('PATCH', '/v1/projects/app/auth/settings', { token: env.instance.secret, body: { accessTokenTtl: 1 } });
  const cara = await env.signUp('cara@example.com');
  await env.instance.request('PATCH', '/v1/projects/app/auth/settings', { token: env.instance.secret, body: { accessTokenTtl: 900 } });
  const notes = admin.collection('notes');
  const kit = await socketKit();
  const client = env.client({ token: cara.token, realtime: { WebSocket: kit.Socket } });
  const c = collector();
  client.collection('notes').subscribe('*', c.push, c.options);
  await waitFor(() => c.ready, 'ack');
  await notes.create({ owner: cara.id, title: 'before expiry' });
  await waitFor(() => c.events.length === 1, 'the first event');

  const exp = JSON.parse(atob(cara.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp * 1000;
  await waitFor(() => Date.now() > exp + 300, 'the token to expire', 4000);
  await notes.create({ owner: cara.id, title: 'while expired' });

  const login = await env.instance.request('POST', '/v1/projects/app/auth/login', { body: { email: 'cara@example.com', password: 'correct horse battery' } });
  client.setToken(login.body.session.accessToken);
  await waitFor(() => c.events.length >= 2, 'the change made while expired');
  await notes.create({ owner: cara.id, title: 'after' });
  await waitFor(() => c.events.length >= 3, 'a live change');
  t.same(c.seen(), ['create:before expiry', 'create:while expired', 'create:after']);
  t.equal(kit.made, 1, 're-authenticated on the same socket');
  t.same(c.errors, [], 'a token expiry is not an error');

  client.setToken(undefined); // signed out: the server has no way back to a guest, so the client reconnects
  await waitFor(() => kit.made === 2 && client.realtime.connected, 'a new socket');
  await notes.create({ owner: cara.id, title: 'not for a guest' });
  await notes.create({ owner: cara.id, title: 'not for a guest either' });
  await todos.create({ title: 'marker' });
  await waitFor(async () => (await todos.list({ filter: "title = 'marker'" })).items.length === 1, 'the writes');
  t.equal(c.events.length, 3, 'the guest connection gets none of her notes');
});

t.test('with the auth client: sign-in re-authenticates, refreshes keep the subscription, sign-out drops the user', async (t) => {
  await env.instance.request('PATCH', '/v1/projects/app/auth/settings', { token: env.instance.secret, body: { accessTokenTtl: 2 } });
  t.teardown(() => env.instance.request('PATCH', '/v1/projects/app/auth/settings', { token: env.instance.secret, body: { accessTokenTtl: 900 } }));
  const dan = await env.signUp('dan@example.com');
  const notes = admin.collection('notes');
  const kit = await socketKit();
  const client = env.client({ key: undefined, realtime: { WebSocket: kit.Socket } });
  const c = collector();
  client.collection('notes').subscribe('*', c.push, c.options);
  await waitFor(() => c.ready, 'ack');
  await notes.create({ owner: dan.id, title: 'unseen by a guest' });

  await client.auth.signIn({ email: 'dan@example.com', password: 'correct horse battery' });
  // The sign-in's auth frame and the write race: wait until a write is seen.
  await waitFor(async () => {
    await notes.create({ owner: dan.id, title: 'probe' });
    return c.events.length > 0;
  }, 'the subscription to act as the user');
  await notes.create({ owner: dan.id, title: 'sync' }); // changes arrive in order: after it, no probe is on its way
  await waitFor(() => c.events.at(-1)?.record.title === 'sync', 'the sync note');
  const seen = c.events.length;
  // The token lives 2 s; the auth client refreshes it ahead of expiry, and each refresh re-authenticates the socket.
  await new Promise((resolve) => setTimeout(resolve, 3500));
  await notes.create({ owner: dan.id, title: 'after refreshes' });
  await waitFor(() => c.events.length === seen + 1, 'a change after the token was refreshed');
  t.equal(c.events.at(-1)!.record.title, 'after refreshes');
  t.notOk(c.seen().includes('create:unseen by a guest'), 'what happened before the sign-in is not replayed');
  t.equal(kit.made, 1, 'one socket throughout');
  t.same(c.errors, []);

  await client.auth.signOut();
  await waitFor(() => kit.made === 2 && client.realtime.connected, 'a new socket as a guest');
  const before = c.events.length;
  await notes.create({ owner: dan.id, title: 'after sign-out' });
  await todos.create({ title: 'marker 2' });
  await waitFor(async () => (await todos.list({ filter: "title = 'marker 2'" })).items.length === 1, 'the writes');
  t.equal(c.events.length, before, 'a signed-out client gets none of his notes');
});

t.test('subscribe() and watch() are awaitable: once they resolve, the next write is never lost; they reject with the error that ended them', async (t) => {
  const client = env.client();
  const c = collector();
  const stop = client.collection('todos').subscribe('*', c.push);
  t.type(stop, 'function', 'still the unsubscribe function');
  await stop;
  // No waiting for an ack by hand: the write right after the await is seen.
  await todos.create({ title: 'right after the await' });
  await waitFor(() => c.seen().includes('create:right after the await'), 'the write made right after subscribe resolved');
  stop();

  const lists: string[][] = [];
  const unwatch = client.collection('todos').watch({ filter: "title = 'watched'" }, (items) => void lists.push(items.map((i) => String(i.title))));
  await unwatch;
  t.ok(lists.length >= 1, 'watch resolves once the first list arrived');
  await todos.create({ title: 'watched' });
  await waitFor(() => lists.some((l) => l.includes('watched')), 'the write made right after watch resolved');
  unwatch();

  const refused = client.collection('no_such_collection').subscribe('*', () => undefined, { onError: () => undefined });
  await t.rejects(Promise.resolve(refused), { code: 'collection_not_found' }, 'a refused subscription rejects');
  client.realtime.close();
});
