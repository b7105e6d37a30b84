/** Covers http/routes/projects/realtime.ts, realtime/hub.ts, judge.ts, channels.ts, change-feed.ts and settings.ts end to end. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { listenRealtime, RealtimeClient, settle, signUp } from '../../../../test/realtime.ts';

const ownerRule = 'auth.id != null && owner = auth.id';

async function setup(api: TestInstance) {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: {
      name: 'notes',
      fields: [{ name: 'owner', type: 'text' }, { name: 'title', type: 'text' }, { name: 'status', type: 'text' }],
      rules: { list: ownerRule, view: ownerRule, create: '', update: '', delete: '' },
    },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  const url = await listenRealtime(api);
  const alice = await signUp(api, 'alice@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const write = async (method: string, path: string, body?: unknown) => {
    const r = await api.request(method, api.p(`/collections/notes/records${path}`), { token: api.secret, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const connect = async (token?: string) => {
    const client = await RealtimeClient.connect(url);
    if (token) {
      const ack = await client.call({ op: 'auth', id: 'auth', token });
      if (ack.op !== 'ack') throw new Error(JSON.stringify(ack));
    }
    return client;
  };
  return { url, alice, bob, write, connect };
}

forEachEngine(t, 'realtime: a user sees changes to their own records and never another user\'s', async (t, api) => {
  const { alice, bob, write, connect } = await setup(api);
  const a = await connect(alice.token);
  const b = await connect(bob.token);
  const guest = await connect();
  t.teardown(() => [a, b, guest].forEach((c) => c.close()));
  for (const c of [a, b, guest]) t.match(await c.call({ op: 'subscribe', id: 's1', collection: 'notes' }), { op: 'ack', id: 's1', seq: Number });

  const mine = await write('POST', '', { owner: alice.id, title: 'a1' });
  const theirs = await write('POST', '', { owner: bob.id, title: 'b1' });
  const frameA = await a.next((f) => f.op === 'change');
  t.match(frameA, { op: 'change', sub: 's1', action: 'create', record: { id: mine.id, title: 'a1' }, seq: Number });
  const frameB = await b.next((f) => f.op === 'change');
  t.match(frameB, { sub: 's1', action: 'create', record: { id: theirs.id } });
  t.ok(frameB.seq > frameA.seq, 'seq grows');
  await write('PATCH', `/${theirs.id}`, { title: 'b2' });
  await write('DELETE', `/${theirs.id}`);
  await b.next((f) => f.op === 'change' && f.action === 'delete' && f.record.id === theirs.id);
  await settle();
  t.same(a.takeChanges('s1'), [], 'alice got nothing of bob\'s');
  t.same(guest.takeChanges('s1'), [], 'a guest gets nothing under the owner rule');

  // a one-record subscription follows the view rule
  t.match(await a.call({ op: 'subscribe', id: 'one', collection: 'notes', recordId: mine.id }), { op: 'ack' });
  t.match(await b.call({ op: 'subscribe', id: 'one', collection: 'notes', recordId: mine.id }), { op: 'ack' });
  await write('PATCH', `/${mine.id}`, { title: 'a2' });
  t.match(await a.next((f) => f.sub === 'one'), { action: 'update', record: { title: 'a2' } });
  t.match(await a.next((f) => f.sub === 's1'), { action: 'update', record: { title: 'a2' } });
  // moving the record to bob: alice sees it leave (as she last saw it), bob sees it enter
  await write('PATCH', `/${mine.id}`, { owner: bob.id });
  t.match(await a.next((f) => f.sub === 's1' && f.action === 'leave'), { record: { id: mine.id, owner: alice.id, title: 'a2' } });
  t.match(await b.next((f) => f.sub === 's1' && f.action === 'enter'), { record: { id: mine.id, owner: bob.id } });
  t.match(await b.next((f) => f.sub === 'one'), { action: 'enter' });
  await settle();
  t.same(a.takeChanges('s1').concat(a.takeChanges('one').filter((f) => f.action !== 'leave')), [], 'no more for alice');

  // the service role sees everything
  const service = await connect(api.secret);
  t.teardown(() => service.close());
  await service.call({ op: 'subscribe', id: 'all', collection: 'notes' });
  await write('POST', '', { owner: 'someone', title: 'x' });
  t.match(await service.next((f) => f.sub === 'all'), { action: 'create', record: { owner: 'someone' } });
});

forEachEngine(t, 'realtime: a filter narrows events; updates enter and leave it; deletes reach who saw the record', async (t, api) => {
  const { alice, write, connect } = await setup(api);
  const a = await connect(alice.token);
  t.teardown(() => a.close());
  t.match(await a.call({ op: 'subscribe', id: 'open', collection: 'notes', filter: "status = 'open'" }), { op: 'ack' });
  const open = await write('POST', '', { owner: alice.id, title: 'o', status: 'open' });
  const closed = await write('POST', '', { owner: alice.id, title: 'c', status: 'closed' });
  await write('PATCH', `/${open.id}`, { title: 'o2' });
  await write('PATCH', `/${closed.id}`, { status: 'open' });
  await write('PATCH', `/${open.id}`, { status: 'closed' });
  await write('PATCH', `/${open.id}`, { title: 'still closed' });
  await write('DELETE', `/${open.id}`);
  await write('DELETE', `/${closed.id}`);
  const last = await a.next((f) => f.action === 'delete');
  await settle();
  const got = [last, ...a.takeChanges('open')].sort((x, y) => x.seq - y.seq).map((f) => [f.action, f.record.id]);
  t.same(got, [
    ['create', open.id],
    ['update', open.id],
    ['enter', closed.id],
    ['leave', open.id],
    ['delete', closed.id],
  ]);
});

forEachEngine(t, 'realtime: reconnecting with since gets exactly the missed events in order, then live ones', async (t, api) => {
  const { alice, bob, write, connect } = await setup(api);
  let a = await connect(alice.token);
  await a.call({ op: 'subscribe', id: 's', collection: 'notes' });
  const first = await write('POST', '', { owner: alice.id, title: '1' });
  const seen = await a.next((f) => f.op === 'change');
  a.close();
  await a.closed;

  const missed = [
    ['create', (await write('POST', '', { owner: alice.id, title: '2' })).id],
    ['create', (await write('POST', '', { owner: bob.id, title: 'not hers' })) && null],
    ['update', (await write('PATCH', `/${first.id}`, { title: '1b' })).id],
    ['delete', (await write('DELETE', `/${first.id}`), first.id)],
  ].filter(([, id]) => id !== null);

  a = await connect(alice.token);
  t.teardown(() => a.close());
  // writes race the replay: each must arrive once, after the backlog
  const racing = Promise.all([1, 2, 3].map((i) => write('POST', '', { owner: alice.id, title: `live${i}` })));
  t.match(await a.call({ op: 'subscribe', id: 's', collection: 'notes', since: seen.seq }), { op: 'ack', seq: seen.seq });
  await racing;
  const live = await write('POST', '', { owner: alice.id, title: 'after' });
  await a.next((f) => f.op === 'change' && f.record.id === live.id && (a.frames.push(f), true));
  await settle();
  const all = a.frames.filter((f) => f.op === 'change');
  t.same(all.slice(0, 3).map((f) => [f.action, f.record.id]), missed, 'the missed events first, in order');
  const seqs = all.map((f) => f.seq);
  t.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `in seq order, no duplicate: ${seqs.join(',')}`);
  t.same(all.slice(3).map((f) => f.record.title).sort(), ['after', 'live1', 'live2', 'live3'], 'then each live one exactly once');
});

forEachEngine(t, 'realtime: a since older than the log holds is refused with since_too_old; retention keeps the newest change', async (t, api) => {
  const { alice, write, connect } = await setup(api);
  for (let i = 0; i < 5; i++) await write('POST', '', { owner: alice.id, title: `n${i}` });
  const { pruneChangeLog } = await import('../../../realtime/retention.ts');
  const { db } = (await api.app.baas.registry.get('app'))!;
  t.equal(await pruneChangeLog(db, { seconds: 0, rows: 0 }), 0, 'no limits: nothing deleted');
  t.equal(await pruneChangeLog(db, { seconds: 1, rows: 0 }), 0, 'nothing older than a second');
  await new Promise((r) => setTimeout(r, 1100));
  t.equal(await pruneChangeLog(db, { seconds: 1, rows: 0 }), 4, 'all but the newest');
  const a = await connect(alice.token);
  t.teardown(() => a.close());
  t.match(await a.call({ op: 'subscribe', id: 'old', collection: 'notes', since: 0 }), { op: 'error', id: 'old', error: { code: 'since_too_old' } });
  t.match(await a.call({ op: 'subscribe', id: 'ok', collection: 'notes', since: 4 }), { op: 'ack' }, 'from the pruned point on is fine');
  t.match(await a.next((f) => f.sub === 'ok'), { action: 'create', record: { title: 'n4' } });
  const next = await write('POST', '', { owner: alice.id, title: 'n5' });
  t.match(await a.next((f) => f.sub === 'ok'), { record: { id: next.id }, seq: 6 }, 'seq not reused after pruning');
});

forEachEngine(t, 'realtime: broadcast and presence between two clients; the channel rule decides who joins', async (t, api) => {
  const { alice, bob, connect } = await setup(api);
  let res = await api.request('PUT', api.p('/realtime/settings'), { token: alice.token, body: { channelRule: '' } });
  t.equal(res.status, 403, 'users may not set the channel rule');
  res = await api.request('PUT', api.p('/realtime/settings'), { token: api.secret, body: { channelRule: 'nope ===' } });
  t.match(res, { status: 400, body: { error: { code: 'invalid_rule' } } });
  res = await api.request('PUT', api.p('/realtime/settings'), { token: api.secret, body: { channelRule: "auth.id != null && channel != 'staff'" } });
  t.equal(res.status, 200);
  t.same((await api.request('GET', api.p('/realtime/settings'), { token: api.secret })).body, { channelRule: "auth.id != null && channel != 'staff'" });

  const a = await connect(alice.token);
  const b = await connect(bob.token);
  const guest = await connect();
  t.teardown(() => [a, b, guest].forEach((c) => c.close()));
  t.match(await guest.call({ op: 'join', id: 'j', channel: 'room:1' }), { op: 'error', error: { code: 'forbidden' } }, 'guests are refused');
  t.match(await a.call({ op: 'join', id: 'j', channel: 'staff' }), { op: 'error', error: { code: 'forbidden' } });

  t.match(await a.call({ op: 'join', id: 'j', channel: 'room:1', presence: { name: 'alice' } }), { op: 'ack' });
  const aState = await a.next((f) => f.op === 'presence');
  t.match(aState, { event: 'state', channel: 'room:1', members: [{ userId: alice.id, presence: { name: 'alice' } }] });
  t.match(await b.call({ op: 'join', id: 'j', channel: 'room:1', presence: { name: 'bob' } }), { op: 'ack' });
  const bState = await b.next((f) => f.op === 'presence');
  t.equal(bState.members.length, 2);
  t.match(await a.next((f) => f.op === 'presence'), { event: 'join', member: { userId: bob.id, presence: { name: 'bob' }, key: bState.self } });

  a.send({ op: 'broadcast', channel: 'room:1', event: 'typing', payload: { on: true } });
  t.same(await b.next((f) => f.op === 'broadcast'), { op: 'broadcast', channel: 'room:1', event: 'typing', payload: { on: true }, from: aState.self });
  t.match(await b.call({ op: 'broadcast', id: 'x', channel: 'room:2', event: 'e' }), { op: 'error', error: { code: 'not_joined' } });
  t.match(await b.call({ op: 'leave', id: 'l', channel: 'room:1' }), { op: 'ack' });
  t.match(await a.next((f) => f.op === 'presence'), { event: 'leave', member: { userId: bob.id } });
  b.close();
  await settle();
  t.notOk(a.frames.some((f) => f.op === 'broadcast'), 'no echo to the sender');
});

forEachEngine(t, 'realtime: bad frames get error frames and the connection stays open', async (t, api) => {
  const { alice, connect } = await setup(api);
  const a = await connect(alice.token);
  t.teardown(() => a.close());
  const cases: Array<[unknown, string]> = [
    ['not json', 'invalid_message'],
    ['[1,2]', 'invalid_message'],
    [{ op: 'fly' }, 'unknown_op'],
    [{ op: 42 }, 'invalid_message'],
    [{ op: 'subscribe', collection: 'notes' }, 'invalid_message'],
    [{ op: 'subscribe', id: 'f', collection: 'notes', filter: "title = 'x' &&" }, 'invalid_filter'],
    [{ op: 'subscribe', id: 'f', collection: 'notes', filter: 'nope = 1' }, 'invalid_filter'],
    [{ op: 'subscribe', id: 'c', collection: 'ghosts' }, 'collection_not_found'],
    [{ op: 'subscribe', id: 's', collection: 'notes', since: -1 }, 'invalid_message'],
    [{ op: 'unsubscribe', id: 'none' }, 'subscription_not_found'],
    [{ op: 'auth', id: 'au', token: 'garbage' }, 'invalid_token'],
  ];
  for (const [message, code] of cases) {
    a.send(message);
    t.match(await a.next((f) => f.op === 'error'), { error: { code } }, JSON.stringify(message));
  }
  a.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  t.match(await a.next((f) => f.op === 'error'), { error: { code: 'invalid_message' } }, 'binary frame');
  t.match(await a.call({ op: 'subscribe', id: 'dup', collection: 'notes' }), { op: 'ack' }, 'still open and working');
  t.match(await a.call({ op: 'subscribe', id: 'dup', collection: 'notes' }), { op: 'error', error: { code: 'duplicate_subscription' } });
  t.match(await a.call({ op: 'unsubscribe', id: 'dup' }), { op: 'ack' });
  // locked rule: only the service role
  await api.request('PATCH', api.p('/collections/notes'), { token: api.secret, body: { rules: { list: null } } });
  t.match(await a.call({ op: 'subscribe', id: 'locked', collection: 'notes' }), { op: 'error', error: { code: 'forbidden' } });

  // frames above the size limit close with 1009
  const big = await connect();
  big.send({ op: 'broadcast', channel: 'x', event: 'e', payload: 'x'.repeat(70 * 1024) });
  t.equal((await big.closed).code, 1009);
});

forEachEngine(t, 'realtime: an expired access token ends the subscriptions that needed it', async (t, api) => {
  const { alice, write, connect } = await setup(api);
  const { updateAuthSettings } = await import('../../../services/auth/settings.ts');
  await updateAuthSettings(await api.serviceContext(), { accessTokenTtl: 1 });
  const res = await api.request('POST', api.p('/auth/login'), { body: { email: 'alice@example.com', password: 'correct horse battery' } });
  const a = await connect();
  t.teardown(() => a.close());
  t.match(await a.call({ op: 'subscribe', id: 'asGuest', collection: 'notes' }), { op: 'ack' });
  t.match(await a.call({ op: 'auth', id: 'auth', token: res.body.session.accessToken }), { op: 'ack' });
  t.match(await a.call({ op: 'subscribe', id: 'mine', collection: 'notes' }), { op: 'ack' });
  const note = await write('POST', '', { owner: alice.id, title: 'before expiry' });
  t.match(await a.next((f) => f.sub === 'mine'), { record: { id: note.id } });
  t.match(await a.next((f) => f.op === 'error', 3000), { id: 'mine', error: { code: 'token_expired' } });
  await write('POST', '', { owner: alice.id, title: 'after expiry' });
  await settle(300);
  t.same(a.takeChanges('mine'), [], 'the ended subscription gets nothing more');
  t.match(await a.call({ op: 'unsubscribe', id: 'asGuest' }), { op: 'ack' }, 'the guest subscription lived on');
});

t.test('realtime: a slow consumer is closed with 4008 and does not slow the others', async (t) => {
  const { startInstance } = await import('../../../../test/harness.ts');
  const api = await startInstance('sqlite', undefined, { realtimeSendBuffer: 1024 * 1024 });
  t.teardown(() => api.close());
  const { bob, alice, connect } = await setup(api);
  const slow = await connect(alice.token);
  const fast = await connect(bob.token);
  const senders = [await connect(bob.token), await connect(bob.token)];
  t.teardown(() => [slow, fast, ...senders].forEach((c) => c.close()));
  for (const c of [slow, fast, ...senders]) await c.call({ op: 'join', id: 'j', channel: 'firehose' });
  // the slow client stops reading from its socket
  (slow.socket as any)._socket.pause();
  const payload = 'y'.repeat(60 * 1024);
  let received = 0;
  fast.socket.on('message', (data) => {
    if (JSON.parse(String(data)).op === 'broadcast') received++;
  });
  // within each sender's burst allowance (the message rate limit), ~22 MB in all, in rounds the
  // fast client (in this same process) keeps up with
  for (let round = 0; round < 36; round++) {
    for (let i = 0; i < 10; i++) senders[i % 2].send({ op: 'broadcast', channel: 'firehose', event: 'e', payload });
    const deadline = Date.now() + 2000;
    while (received < (round + 1) * 10 && Date.now() < deadline) await settle(5);
  }
  t.equal(received, 360, 'the fast client got every broadcast');
  (slow.socket as any)._socket.resume();
  const { code, reason } = await slow.closed;
  t.equal(code, 4008);
  t.match(reason, /slow consumer/);
});

t.test('realtime: messages past the burst are dropped with rate_limited, answered under their own id', async (t) => {
  const { startInstance } = await import('../../../../test/harness.ts');
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  const client = await RealtimeClient.connect(await listenRealtime(api));
  t.teardown(() => client.close());
  // 250 at once: the burst (200) is handled (`subscription_not_found`: nothing to unsubscribe), the rest dropped.
  for (let i = 0; i < 250; i++) client.send({ op: 'unsubscribe', id: `m${i}` });
  const last = await client.next((f) => f.id === 'm249');
  t.equal(last.error.code, 'rate_limited', 'a dropped message is answered under its id, so a client can fail that call');
  const first = await client.next((f) => f.id === 'm0');
  t.equal(first.error.code, 'subscription_not_found', 'messages within the burst are handled');
});
