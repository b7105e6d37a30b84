import t, { type Test } from 'tap';
import type { BaasClient, BaasError, WatchOptions, WatchState } from '../index.ts';
import { setup, socketKit, waitFor } from '../../test/realtime.ts';

// Live lists against a real server: after every change the watched list must
// equal what a fresh list() of the same query returns.

const env = await setup((fn) => t.teardown(fn), { changeLogRetentionRows: 1 });
const todos = env.admin.collection('todos');

type Query = WatchOptions<any>;

/** Starts a watch and keeps its last list, the reasons it was called for, and its errors. */
function watcher(client: BaasClient, query: Query, collection = 'todos') {
  const w = {
    items: [] as Array<Record<string, any>>,
    reasons: [] as Array<WatchState['reason']>,
    errors: [] as BaasError[],
    stop: () => {},
  };
  w.stop = client.collection(collection).watch({ ...query, onError: (e) => void w.errors.push(e) }, (items, state) => {
    w.items = items;
    w.reasons.push(state.reason);
  });
  return w;
}

/** Waits until the watch equals a fresh list of its query, then asserts it (showing the difference if it never does). */
async function agrees(t: Test, w: ReturnType<typeof watcher>, query: Query, message: string, collection = 'todos') {
  let fresh: unknown[] = [];
  const { onError: _, ...q } = query;
  await waitFor(async () => {
    fresh = (await env.admin.collection(collection).list({ ...q, limit: query.limit ?? 500 })).items;
    return canonical(fresh) === canonical(w.items);
  }, message).catch(() => {});
  t.same(w.items, fresh, message);
}

/** JSON with object keys sorted: change records and listed ones order their keys differently. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

t.test('an unlimited, filtered, sorted watch follows create, update, enter, leave and delete', async (t) => {
  const a = await todos.create({ title: 'u:a', rank: 2 });
  await todos.create({ title: 'u:b', rank: null });
  await todos.create({ title: 'u:c', rank: 2, done: true });
  const query: Query = { filter: "title ~ 'u:' && done = false", sort: '-rank,title' };
  const w = watcher(env.client(), query);
  await waitFor(() => w.reasons.length, 'the initial list');
  t.same(w.reasons, ['initial']);
  t.same(w.items.map((r) => r.title), ['u:a', 'u:b'], 'nulls sort lowest: last when descending');
  await agrees(t, w, query, 'initial');

  const d = await todos.create({ title: 'u:d', rank: 2 }); // same rank as a: title breaks the tie
  await agrees(t, w, query, 'create');
  const c = (await todos.list({ filter: "title = 'u:c'" })).items[0];
  await todos.update(c.id, { done: false }); // enters
  await agrees(t, w, query, 'enter');
  await todos.update(a.id, { rank: 1 }); // moves down
  await agrees(t, w, query, 'update');
  await todos.update(d.id, { done: true }); // leaves
  await agrees(t, w, query, 'leave');
  await todos.delete(a.id);
  await agrees(t, w, query, 'delete');
  await todos.create({ title: 'u:e', rank: 5, done: true }); // never matches
  await todos.create({ title: 'u:f', rank: 5 });
  await agrees(t, w, query, 'another create');
  t.same(w.items.map((r) => r.title), ['u:f', 'u:c', 'u:b']);
  t.notOk(w.reasons.includes('refetch'), 'an unlimited list never refetches');
  t.ok(w.reasons.slice(1).every((r) => r === 'change'));

  w.stop();
  const calls = w.reasons.length;
  await todos.create({ title: 'u:g' });
  await todos.create({ title: 'marker' });
  await waitFor(async () => (await todos.list({ filter: "title = 'marker'" })).items.length === 1, 'the writes');
  t.equal(w.reasons.length, calls, 'no call after stop');
  t.same(w.errors, []);
});

t.test('a limited watch stays the first n: it cuts what falls off and refetches to fill', async (t) => {
  const ids: Record<string, string> = {};
  for (const [title, rank] of [['L:null', null], ['L:1', 1], ['L:2', 2], ['L:3', 3], ['L:4', 4]] as const) {
    ids[title] = (await todos.create({ title, rank })).id;
  }
  const query: Query = { filter: "title ~ 'L:'", sort: 'rank', limit: 3 };
  const w = watcher(env.client(), query);
  await waitFor(() => w.reasons.length, 'the initial list');
  t.same(w.items.map((r) => r.title), ['L:null', 'L:1', 'L:2'], 'nulls first ascending');

  ids['L:0'] = (await todos.create({ title: 'L:0', rank: 0 })).id;
  await agrees(t, w, query, 'a create inside the limit pushes the last one out');
  await todos.create({ title: 'L:100', rank: 100 });
  await todos.delete(ids['L:null']);
  await agrees(t, w, query, 'a delete refills from the server');
  t.ok(w.reasons.includes('refetch'));
  await todos.update(ids['L:1'], { rank: 10 });
  await agrees(t, w, query, 'an item moving past the end is replaced by the next one');
  await todos.update(ids['L:4'], { rank: -1 });
  await agrees(t, w, query, 'an outside record moving in');
  await todos.update(ids['L:0'], { title: 'gone' });
  await agrees(t, w, query, 'a leave refills');
  t.same(w.items.map((r) => r.title), ['L:4', 'L:2', 'L:3']);
  t.same(w.errors, []);
});

t.test('after a reconnect the watch resumes; when events were lost it refetches', async (t) => {
  const kit = await socketKit();
  const client = env.client({ realtime: { WebSocket: kit.Socket, reconnectDelay: { min: 20, max: 100 } } });
  const query: Query = { filter: "title ~ 'R:'", sort: '-created_at' };
  const first = await todos.create({ title: 'R:1' });
  const w = watcher(client, query);
  await waitFor(() => w.reasons.length, 'the initial list');

  kit.blocked = true;
  env.dropAll();
  await waitFor(() => !client.realtime.connected, 'the drop');
  await todos.create({ title: 'R:2' });
  await todos.update(first.id, { title: 'R:1 changed' });
  kit.blocked = false;
  await agrees(t, w, query, 'resumed without loss');
  t.notOk(w.reasons.includes('refetch'), 'no refetch: the missed changes were replayed');

  kit.blocked = true;
  env.dropAll();
  await waitFor(() => !client.realtime.connected, 'the second drop');
  await todos.create({ title: 'R:3' });
  await todos.delete(first.id);
  t.ok((await env.instance.app.baas.realtime.prune()) > 0, 'the log lost the changes');
  kit.blocked = false;
  await waitFor(() => w.reasons.includes('refetch'), 'a refetch');
  await agrees(t, w, query, 'refetched after since_too_old');
  await todos.create({ title: 'R:4' });
  await agrees(t, w, query, 'live again');
});

t.test('a changed record keeps the expand it was listed with; a bad filter ends the watch', async (t) => {
  await env.admin.collections.create({
    name: 'people',
    fields: [{ name: 'name', type: 'text' }],
    rules: { list: '', view: '', create: '', update: '', delete: '' },
  });
  await env.admin.collections.create({
    name: 'tasks',
    fields: [{ name: 'title', type: 'text' }, { name: 'owner', type: 'relation', collection: 'people' }],
    rules: { list: '', view: '', create: '', update: '', delete: '' },
  });
  const ann = await env.admin.collection('people').create({ name: 'Ann' });
  const task = await env.admin.collection('tasks').create({ title: 'one', owner: ann.id });
  const w = watcher(env.client(), { expand: 'owner' }, 'tasks');
  await waitFor(() => w.reasons.length, 'the initial list');
  t.match(w.items, [{ title: 'one', expand: { owner: { name: 'Ann' } } }]);
  await env.admin.collection('tasks').update(task.id, { title: 'two' });
  await waitFor(() => w.items[0]?.title === 'two', 'the update');
  t.match(w.items, [{ title: 'two', expand: { owner: { name: 'Ann' } } }], 'the expand is kept');
  await env.admin.collection('tasks').create({ title: 'three', owner: ann.id });
  await waitFor(() => w.items.length === 2, 'the create');
  t.notOk('expand' in w.items[1], 'a new record arrives without expand');

  const bad = watcher(env.client(), { filter: 'nope = 1' });
  await waitFor(() => bad.errors.length, 'the error');
  t.match(bad.errors[0], { status: 0, code: 'invalid_filter' });
  t.same(bad.reasons, [], 'never called');
});
