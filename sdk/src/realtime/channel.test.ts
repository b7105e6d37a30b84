import t from 'tap';
import type { BroadcastMessage, PresenceChange, PresenceEntry } from '../index.ts';
import { setup, socketKit, waitFor } from '../../test/realtime.ts';

// Channels between two signed-in clients: presence state, join and leave
// diffs, broadcasts, the channel rule, and a rejoin after a reconnect.

const env = await setup((fn) => t.teardown(fn));

t.test('presence and broadcasts between two clients, across a reconnect', async (t) => {
  const ann = await env.signUp('ann@example.com');
  const bob = await env.signUp('bob@example.com');
  const kit = await socketKit();
  const a = env.client({ token: ann.token, realtime: { WebSocket: kit.Socket, reconnectDelay: { min: 20, max: 100 } } }).realtime.channel('room:1');
  const b = env.client({ token: bob.token, realtime: { WebSocket: kit.Socket, reconnectDelay: { min: 20, max: 100 } } }).realtime.channel('room:1');

  const changes: PresenceChange[] = [];
  let seenByA: PresenceEntry[] = [];
  a.on('presence', (members, change) => {
    seenByA = members;
    changes.push(change);
  });
  await a.join({ name: 'Ann' });
  t.match(a.members, [{ key: a.self, userId: ann.id, presence: { name: 'Ann' } }]);
  t.ok(a.joined);

  await b.join({ name: 'Bob' });
  await waitFor(() => a.members.length === 2 && b.members.length === 2, 'both members on both sides');
  t.same(seenByA, a.members, 'the listener gets the member list');
  t.match(changes, [{ event: 'state' }, { event: 'join', member: { key: b.self, userId: bob.id, presence: { name: 'Bob' } } }]);

  await b.track({ name: 'Bob', typing: true });
  await waitFor(() => a.members.find((m) => m.key === b.self)?.presence.typing === true, 'the new presence');
  t.equal(a.members.length, 2, 'a presence update replaces the member');

  const got: Array<[unknown, BroadcastMessage]> = [];
  const any: string[] = [];
  const ownEcho: unknown[] = [];
  const stopTyping = a.on('broadcast', 'typing', (payload, message) => void got.push([payload, message]));
  a.on('broadcast', '*', (_, message) => void any.push(message.event));
  b.on('broadcast', '*', (payload) => void ownEcho.push(payload));
  await b.send('typing', { on: true });
  await b.send('moved', { x: 1 });
  await waitFor(() => any.length === 2, 'two broadcasts');
  t.same(got, [[{ on: true }, { event: 'typing', from: b.self }]]);
  t.same(any, ['typing', 'moved']);
  stopTyping();
  await b.send('typing', { on: false });
  await waitFor(() => any.length === 3, 'the third broadcast');
  t.equal(got.length, 1, 'a removed listener gets nothing');
  t.same(ownEcho, [], 'a sender does not get its own broadcasts');

  // Both sockets drop: each client rejoins with its last presence.
  const states = () => changes.filter((c) => c.event === 'state').length;
  let bStates = 0;
  b.on('presence', (_, change) => void (bStates += change.event === 'state' ? 1 : 0));
  const made = kit.made;
  env.dropAll();
  await waitFor(() => kit.made === made + 2, 'two new sockets');
  await waitFor(() => states() >= 2 && bStates >= 1, 'both rejoined (a new state each)');
  await waitFor(() => a.members.length === 2, 'both members again');
  t.not(a.members.find((m) => m.presence.name === 'Bob')?.key, undefined);
  t.match(a.members.find((m) => m.presence.name === 'Bob'), { key: b.self, presence: { typing: true } }, 'rejoined with the last presence');
  await b.send('back', 1);
  await waitFor(() => any.includes('back'), 'a broadcast after the rejoin');

  const left = changes.length;
  b.leave();
  t.notOk(b.joined);
  t.same(b.members, []);
  await waitFor(() => a.members.length === 1, 'the leave');
  t.match(changes.slice(left), [{ event: 'leave', member: { userId: bob.id } }]);
  await t.rejects(b.send('after', 1), { status: 0, code: 'not_joined' }, 'sending needs a join');
});

t.test('the channel rule: a guest may not join by default', async (t) => {
  const kit = await socketKit();
  const guest = env.client({ key: undefined, realtime: { WebSocket: kit.Socket, closeDelay: 50 } });
  await t.rejects(guest.realtime.channel('room:2').join(), { status: 0, code: 'forbidden' });
  t.notOk(guest.realtime.channel('room:2').joined);
  await waitFor(() => kit.open() === 0, 'the socket to close: nothing is joined');

  await env.admin.realtime.channel('room:2').join(); // the service role may
  t.equal(env.admin.realtime.channel('room:2').members.length, 1);
});
