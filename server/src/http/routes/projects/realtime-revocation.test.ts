/** Covers realtime revocation: db/identity-events.ts, realtime/auth.ts and realtime/connection.ts (access_revoked on logout, revoked sessions, users, keys, admin sessions; a role change judged again). */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { listenRealtime, RealtimeClient, settle, signUp, type Frame } from '../../../../test/realtime.ts';

// Revocation reaches open sockets: a realtime connection does not keep the
// identity it authenticated with once that identity lost its access. Each
// case subscribes with a credential, sees a change, ends the credential over
// HTTP, and then must get `access_revoked` and no later change.

const password = 'correct horse battery';

/** `notes`: users see every note, `secrets`: only the service role (a locked rule). */
async function setup(t: any, api: TestInstance) {
  for (const [name, rule] of [['notes', 'auth.id != null'], ['secrets', null]] as const) {
    const res = await api.request('POST', api.p('/collections'), {
      token: api.secret,
      body: { name, fields: [{ name: 'title', type: 'text' }], rules: { list: rule, view: rule, create: null, update: null, delete: null } },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
  const url = await listenRealtime(api);
  const write = async (collection: string, title: string) => {
    const r = await api.request('POST', api.p(`/collections/${collection}/records`), { token: api.secret, body: { title } });
    if (r.status !== 201) throw new Error(`write: ${r.status} ${JSON.stringify(r.body)}`);
  };
  /** A client authenticated with `token`, subscribed to `collection` as `s`, that saw one change. */
  const live = async (token: string, collection = 'notes'): Promise<RealtimeClient> => {
    const client = await RealtimeClient.connect(url);
    t.teardown(() => client.close());
    t.match(await client.call({ op: 'auth', id: 'a', token }), { op: 'ack' });
    t.match(await client.call({ op: 'subscribe', id: 's', collection }), { op: 'ack' });
    await write(collection, 'before');
    t.match(await client.next((f) => f.op === 'change' && f.sub === 's'), { record: { title: 'before' } }, 'live before the revocation');
    return client;
  };
  /** After the revocation: the subscription ended with `access_revoked`, and a later change does not arrive. */
  const revoked = async (client: RealtimeClient, collection: string, reason: string) => {
    const frame: Frame = await client.next((f) => f.op === 'error' && f.id === 's');
    t.match(frame, { error: { code: 'access_revoked', details: { reason } } }, `access_revoked (${reason})`);
    client.takeChanges('s'); // what arrived before the revocation (other clients' writes)
    await write(collection, 'after');
    await settle(300);
    t.same(client.takeChanges('s'), [], 'no change after the revocation');
    // The connection stays, as a guest: the service-only collection refuses it.
    t.match(await client.call({ op: 'subscribe', id: 's2', collection: 'secrets' }), { op: 'error', error: { code: 'forbidden' } });
  };
  return { url, write, live, revoked };
}

forEachEngine(t, 'realtime revocation: logout ends the subscriptions of that session', async (t, api) => {
  const { live, revoked } = await setup(t, api);
  const ann = await signUp(api, 'ann@example.com');
  const client = await live(ann.token);
  t.equal((await api.request('POST', api.p('/auth/logout'), { token: ann.token })).status, 204);
  await revoked(client, 'notes', 'session_ended');
});

forEachEngine(t, 'realtime revocation: a revoked session (by the user or an admin) ends its connections, not the others', async (t, api) => {
  const { live, revoked, write } = await setup(t, api);
  const ann = await signUp(api, 'ann@example.com');
  const login = async () => (await api.request('POST', api.p('/auth/login'), { body: { email: 'ann@example.com', password } })).body.session.accessToken as string;
  const [second, third] = [await login(), await login()];
  const sidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;
  const keep = await live(ann.token);
  const bySelf = await live(second);
  const byAdmin = await live(third);
  t.equal((await api.request('DELETE', api.p(`/auth/sessions/${sidOf(second)}`), { token: ann.token })).status, 204);
  await revoked(bySelf, 'notes', 'session_ended');
  t.equal((await api.request('DELETE', api.p(`/users/${ann.id}/sessions/${sidOf(third)}`), { token: api.secret })).status, 204);
  await revoked(byAdmin, 'notes', 'session_ended');
  await write('notes', 'still');
  t.ok((await keep.next((f) => f.op === 'change' && f.record.title === 'still')), 'the session that was not revoked keeps receiving');
  t.same(keep.frames.filter((f) => f.op === 'error'), [], 'and got no error');
});

forEachEngine(t, 'realtime revocation: disabling a user ends their connections', async (t, api) => {
  const { live, revoked } = await setup(t, api);
  const ann = await signUp(api, 'ann@example.com');
  const client = await live(ann.token);
  t.equal((await api.request('PATCH', api.p(`/users/${ann.id}`), { token: api.secret, body: { disabled: true } })).status, 200);
  await revoked(client, 'notes', 'user_disabled');
});

forEachEngine(t, 'realtime revocation: deleting a user ends their connections', async (t, api) => {
  const { live, revoked } = await setup(t, api);
  const ann = await signUp(api, 'ann@example.com');
  const client = await live(ann.token);
  t.equal((await api.request('DELETE', api.p(`/users/${ann.id}`), { token: api.secret })).status, 204);
  await revoked(client, 'notes', 'user_deleted');
});

forEachEngine(t, 'realtime revocation: a removed role is judged at once — changes stop, channels that need it are left', async (t, api) => {
  const { url, write } = await setup(t, api);
  const readers = "auth.role = 'reader'";
  t.equal((await api.request('PATCH', api.p('/collections/notes'), { token: api.secret, body: { rules: { list: readers, view: readers } } })).status, 200);
  t.equal((await api.request('PUT', api.p('/realtime/settings'), { token: api.secret, body: { channelRule: readers } })).status, 200);
  const ann = await signUp(api, 'ann@example.com');
  t.equal((await api.request('PATCH', api.p(`/users/${ann.id}`), { token: api.secret, body: { role: 'reader' } })).status, 200);
  const client = await RealtimeClient.connect(url);
  t.teardown(() => client.close());
  t.match(await client.call({ op: 'auth', id: 'a', token: ann.token }), { op: 'ack' });
  t.match(await client.call({ op: 'subscribe', id: 's', collection: 'notes' }), { op: 'ack' });
  t.match(await client.call({ op: 'join', id: 'j', channel: 'room' }), { op: 'ack' });
  await write('notes', 'before');
  t.ok(await client.next((f) => f.op === 'change' && f.record.title === 'before'), 'a reader sees notes');

  t.equal((await api.request('PATCH', api.p(`/users/${ann.id}`), { token: api.secret, body: { role: null } })).status, 200);
  t.match(await client.next((f) => f.op === 'error'), { error: { code: 'access_revoked', details: { channel: 'room', reason: 'channel_rule' } } }, 'the channel is left');
  await write('notes', 'after');
  await settle(300);
  t.same(client.takeChanges('s'), [], 'no note reaches a user without the role');

  // Re-judged, not ended: the same subscription sees notes again once the role is back.
  t.equal((await api.request('PATCH', api.p(`/users/${ann.id}`), { token: api.secret, body: { role: 'reader' } })).status, 200);
  await write('notes', 'again');
  t.ok(await client.next((f) => f.op === 'change' && f.sub === 's' && f.record.title === 'again'), 'the role back: the subscription sees notes again');
});

forEachEngine(t, 'realtime revocation: a revoked secret key ends the service role of its connections', async (t, api) => {
  const { live, revoked } = await setup(t, api);
  const key = (await api.request('POST', api.p('/keys'), { token: api.secret, body: { name: 'worker' } })).body as { id: string; secret: string };
  const client = await live(key.secret, 'secrets');
  t.equal((await api.request('DELETE', api.p(`/keys/${key.id}`), { token: api.secret })).status, 204);
  await revoked(client, 'secrets', 'key_revoked');
});

forEachEngine(t, 'realtime revocation: an admin logout ends the admin connections of that session, also from the upgrade header', async (t, api) => {
  const { url, live, revoked, write } = await setup(t, api);
  const other = (await api.request('POST', '/v1/admin/auth/login', { body: { email: 'admin@example.com', password } })).body.token as string;
  const client = await live(api.adminToken, 'secrets');
  // An identity from the upgrade request's Authorization header is revocable too.
  const byHeader = await RealtimeClient.connect(url, { authorization: `Bearer ${api.adminToken}` });
  t.teardown(() => byHeader.close());
  t.match(await byHeader.call({ op: 'subscribe', id: 's', collection: 'secrets' }), { op: 'ack' });
  const untouched = await live(other, 'secrets');
  t.equal((await api.request('POST', '/v1/admin/auth/logout', { token: api.adminToken })).status, 204);
  await revoked(client, 'secrets', 'admin_session_ended');
  t.match(await byHeader.next((f) => f.op === 'error' && f.id === 's'), { error: { code: 'access_revoked' } });
  await write('secrets', 'later');
  t.ok(await untouched.next((f) => f.op === 'change' && f.record.title === 'later'), 'another admin session keeps receiving');
});
