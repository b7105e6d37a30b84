/**
 * Covers realtime/connection.ts over a fake socket (an EventEmitter with the
 * few members of ws's WebSocket it uses), on a real project, hub and channels,
 * with its parts wired in (outbox.ts, rate-limit.ts and messages.ts have their
 * own tests beside them): frames of one turn go out in one corked write, a
 * send buffer over its bound closes the connection (4008), the rate limit
 * drops messages with an error under their id, bad frames are refused, and
 * messages are handled in order; a change's frame is encoded once for every
 * subscription of the same id, and written as soon as the hub's read of the
 * log is delivered.
 */
import t from 'tap';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { realtimeCloseCodes } from '@baas/protocol';
import { startInstance } from '../../test/harness.ts';
import { Channels } from './channels.ts';
import { collectionCatalog } from '../services/collections.ts';
import { Connection, type ConnectionDeps, type ConnectionLimits } from './connection.ts';
import { ProjectHub } from './hub.ts';
import { FlushScheduler } from './outbox.ts';
import { guestViewer } from './judge.ts';

/** What Connection needs of a WebSocket, recording what it is asked to do. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: any[] = [];
  /** The frames as handed to send (a shared frame is the same Buffer on every socket). */
  readonly raw: unknown[] = [];
  onSend: (() => void) | undefined;
  closedWith: [number, string] | undefined;
  corks = 0;
  readonly _socket = { cork: () => this.corks++, uncork: () => {} };
  send(frame: string | Buffer, options?: { binary?: boolean }): void {
    if (typeof frame !== 'string' && options?.binary !== false) throw new Error('a Buffer must go out as a text frame');
    this.raw.push(frame);
    this.onSend?.();
    this.sent.push(JSON.parse(String(frame)));
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
  }
  terminate(): void {}
  ping(): void {}
  /** A client frame. */
  say(message: unknown, isBinary = false): void {
    this.emit('message', Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)), isBinary);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
async function until(socket: FakeSocket, count: number): Promise<void> {
  for (let i = 0; i < 400 && socket.sent.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

t.test('a connection over a fake socket', async (t) => {
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  // Anyone may join any channel: the tests below are about the connection, not the rule.
  t.equal((await api.request('PUT', api.p('/realtime/settings'), { token: api.secret, body: { channelRule: 'true' } })).status, 200);
  t.equal((await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'events', fields: [{ name: 'title', type: 'text' }], rules: { list: '' } } })).status, 201);
  const project = (await api.app.baas.registry.get('app'))!;
  // What the hub does, in order: deliveries counted, and the flush at the end of each read of the log.
  const steps: string[] = [];
  const hub = await ProjectHub.open(project, (p) => collectionCatalog({ project: p, db: p.db }), (err) => t.error(err), (n) => steps.push(`delivered ${n}`), () => steps.push('flush'));
  t.teardown(() => hub.close());
  const limits: ConnectionLimits = { maxSubscriptions: 2, maxChannels: 2, messagesPerSecond: 1, burst: 5, sendBuffer: 1000 };
  const connect = () => {
    const socket = new FakeSocket();
    const deps: ConnectionDeps = { limits, identityOf: async () => ({ viewer: guestViewer }), slowConsumer: () => {}, flusher: new FlushScheduler() };
    const connection = new Connection(socket as unknown as WebSocket, project, hub, new Channels(), deps, { viewer: guestViewer });
    t.teardown(() => socket.emit('close'));
    return { socket, connection };
  };

  t.test('messages are answered in order; frames of one turn are one corked write', async (t) => {
    const { socket } = connect();
    socket.say({ op: 'join', id: 'j1', channel: 'room' });
    socket.say({ op: 'leave', id: 'l1', channel: 'room' });
    socket.say({ op: 'leave', id: 'l2', channel: 'room' });
    await until(socket, 4);
    // The join's presence snapshot follows its ack.
    t.same(socket.sent.map((f) => [f.op, f.id, f.error?.code]), [['ack', 'j1', undefined], ['presence', undefined, undefined], ['ack', 'l1', undefined], ['error', 'l2', 'not_joined']]);
    t.ok(socket.corks >= 1 && socket.corks < 4, `written in ${socket.corks} corked write(s), not one per frame`);
  });

  t.test('bad frames are refused, under their id when it can be read', async (t) => {
    const { socket } = connect();
    socket.say('{"op":"join"', false);
    socket.say({ op: 'x' }, true);
    socket.say(`{"id":"deep","op":"join","presence":${'['.repeat(70)}${']'.repeat(70)}}`);
    socket.say({ id: 'u', op: 'dance' });
    await until(socket, 4);
    t.same(socket.sent.map((f) => [f.id, f.error.code]), [[undefined, 'invalid_message'], [undefined, 'invalid_message'], ['deep', 'invalid_message'], ['u', 'unknown_op']]);
  });

  t.test('the rate limit drops what is over the burst, with an error under its id', async (t) => {
    const { socket } = connect();
    for (let i = 0; i < 7; i++) socket.say({ op: 'leave', id: `m${i}`, channel: 'none' });
    await until(socket, 7);
    const limited = socket.sent.filter((f) => f.error?.code === 'rate_limited').map((f) => f.id);
    t.same(limited, ['m5', 'm6'], 'the burst of 5 passes, the rest is dropped');
  });

  t.test('a change is encoded once per subscription id, and flushed once its read of the log is delivered', async (t) => {
    const [a, b, c] = [connect(), connect(), connect()];
    for (const { socket } of [a, b, c]) socket.onSend = () => steps.push('sent');
    for (const [{ socket }, id] of [[a, 'same'], [b, 'same'], [c, 'other']] as const) socket.say({ op: 'subscribe', id, collection: 'events' });
    for (const { socket } of [a, b, c]) await until(socket, 1);
    steps.length = 0;
    t.equal((await api.request('POST', api.p('/collections/events/records'), { token: api.secret, body: { title: 'hello' } })).status, 201);
    for (const { socket } of [a, b, c]) await until(socket, 2);
    t.same([a, b, c].map(({ socket }) => [socket.sent[1].op, socket.sent[1].sub, socket.sent[1].record.title]), [['change', 'same', 'hello'], ['change', 'same', 'hello'], ['change', 'other', 'hello']]);
    t.ok(Buffer.isBuffer(a.socket.raw[1]), 'a change frame goes out as its encoded bytes');
    t.equal(a.socket.raw[1], b.socket.raw[1], 'the same id: the same Buffer, encoded once');
    t.not(a.socket.raw[1], c.socket.raw[1]);
    t.same(steps, ['sent', 'sent', 'sent', 'delivered 3', 'flush'], 'a lone change: each frame written as it is judged, before the fan-out ends');
    // Several changes in one read of the log: queued, then one write per socket when the read is delivered.
    steps.length = 0;
    t.equal((await api.request('POST', api.p('/batch'), { token: api.secret, body: { operations: [1, 2].map((n) => ({ action: 'create', collection: 'events', data: { title: `b${n}` } })) } })).status, 200);
    for (const { socket } of [a, b, c]) await until(socket, 4);
    t.same([a, b, c].map(({ socket }) => socket.sent.slice(2).map((f) => f.record.title)), [['b1', 'b2'], ['b1', 'b2'], ['b1', 'b2']], 'in seq order');
    t.same(steps, ['delivered 3', 'delivered 3', 'flush', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent'], 'queued, then flushed');
  });

  t.test('a send buffer over its bound closes the connection as a slow consumer', async (t) => {
    const { socket, connection } = connect();
    connection.send(JSON.stringify({ op: 'ack' }));
    socket.bufferedAmount = 2000; // the client stopped reading
    connection.send(JSON.stringify({ op: 'ack' }));
    await turn();
    t.same(socket.closedWith?.[0], realtimeCloseCodes.slowConsumer);
    t.same(socket.sent, [], 'what was queued is dropped, not written');
    connection.send('{}');
    await turn();
    t.same(socket.sent, [], 'nothing more is sent once closing');
  });
});
