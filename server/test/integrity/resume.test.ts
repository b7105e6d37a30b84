import t from 'tap';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { forEachEngine } from '../harness.ts';
import { listenRealtime, signUp, type Frame } from '../realtime.ts';

// Realtime resume checker, on both engines: many subscribers (owner rules,
// filters, record subscriptions) over real WebSockets have their sockets
// dropped in varied ways — client close, terminate, TCP destroy, TCP reset,
// the server side destroyed, and each of those during a `since` replay —
// and resume with `since` = the last seq they saw, while one writer streams
// creates, updates (status, n, owner: records move into and out of
// subscriptions) and deletes. Each subscriber's received frames must equal
// what its rule and filter let it see of the writer's acknowledged log:
// nothing lost, nothing duplicated, seq increasing.
// BAAS_RESUME_DISCONNECTS raises the disconnects per engine (CI: 100).

const DISCONNECTS = Number(process.env.BAAS_RESUME_DISCONNECTS ?? 100);
const ownerRule = 'auth.id != null && owner = auth.id';
const STATUSES = ['open', 'closed', 'draft'];

interface Row { id: string; owner: string; status: string; n: number; w: number }
interface Interest { user: string; token: string; filter?: string; test: (r: Row) => boolean; recordId?: string }
type DropMode = 'close' | 'terminate' | 'destroy' | 'reset' | 'server';
const HARD: DropMode[] = ['terminate', 'destroy', 'reset', 'server'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

forEachEngine(t, 'realtime resume: dropped and resumed subscribers lose, duplicate and reorder nothing', async (t, api) => {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: {
      name: 'items',
      fields: [{ name: 'owner', type: 'text' }, { name: 'status', type: 'text' }, { name: 'n', type: 'number' }, { name: 'w', type: 'number' }],
      rules: { list: ownerRule, view: ownerRule, create: '', update: '', delete: '' },
    },
  });
  t.equal(res.status, 201, `the collection: ${res.status === 201 ? 'created' : JSON.stringify(res.body)}`);
  const url = await listenRealtime(api);
  // The server's side of each connection, by the client's port: to drop a link from the server end.
  const serverSockets = new Map<number, Socket>();
  api.app.server.on('connection', (socket: Socket) => {
    serverSockets.set(socket.remotePort!, socket);
    socket.once('close', () => serverSockets.delete(socket.remotePort!));
  });
  const users = [];
  for (const name of ['ann', 'bob', 'cat']) users.push(await signUp(api, `${name}@example.com`));

  // The writer's acknowledged state; w numbers the writes, so a frame names the write it shows.
  const rows = new Map<string, Row>();
  let w = 0;
  const write = async (method: string, path: string, body?: Record<string, unknown>) => {
    const r = await api.request(method, api.p(`/collections/items/records${path}`), { token: api.secret, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const createRow = async () => {
    const body = { owner: pick(users).id, status: pick(STATUSES), n: Math.floor(Math.random() * 10), w: ++w };
    const made = await write('POST', '', body);
    return { ...body, id: made.id as string };
  };
  // Records that exist before anyone subscribes: the targets of record subscriptions.
  for (let i = 0; i < 12; i++) {
    const row = await createRow();
    rows.set(row.id, row);
  }
  const pinned = [...rows.keys()].slice(0, 6);

  const interests: Interest[] = [];
  for (const user of users) {
    interests.push({ user: user.id, token: user.token, test: () => true });
    interests.push({ user: user.id, token: user.token, filter: "status = 'open'", test: (r) => r.status === 'open' });
    interests.push({ user: user.id, token: user.token, filter: 'n >= 5', test: (r) => r.n >= 5 });
    interests.push({ user: user.id, token: user.token, filter: "status != 'draft' && n < 7", test: (r) => r.status !== 'draft' && r.n < 7 });
    for (const recordId of pinned.slice(0, 2)) interests.push({ user: user.id, token: user.token, recordId, test: (r) => r.id === recordId });
    interests.push({ user: user.id, token: user.token, recordId: pick(pinned), filter: "status = 'open'", test: (r) => r.status === 'open' });
  }
  const subscribers = interests.map((interest) => new Subscriber(url, interest, serverSockets));
  for (const sub of subscribers) await sub.start();

  // The expected frames of each subscriber, judged by this test's own model of the rules.
  const sees = (s: Subscriber, r: Row) => r.owner === s.interest.user && (s.interest.recordId === undefined || r.id === s.interest.recordId) && s.interest.test(r);
  const expect = (before: Row | undefined, after: Row | undefined) => {
    for (const s of subscribers) {
      const was = before !== undefined && sees(s, before);
      const is = after !== undefined && sees(s, after);
      if (!before && is) s.expected.push(`create ${after!.id} w${after!.w}`);
      else if (!after && was) s.expected.push(`delete ${before!.id} w${before!.w}`);
      else if (before && after && (was || is)) {
        s.expected.push(was && is ? `update ${after.id} w${after.w}` : is ? `enter ${after.id} w${after.w}` : `leave ${before.id} w${before.w}`);
      }
    }
  };

  let writerDone = false;
  const writer = (async () => {
    while (!writerDone) {
      const live = [...rows.values()];
      const roll = Math.random();
      if (roll < 0.25 || live.length < 6) {
        const row = await createRow();
        rows.set(row.id, row);
        expect(undefined, row);
      } else if (roll < 0.9) {
        const before = pick(live);
        const patch: Record<string, unknown> = { w: ++w };
        const what = Math.random();
        if (what < 0.4) patch.status = pick(STATUSES);
        else if (what < 0.7) patch.n = Math.floor(Math.random() * 10);
        else if (what < 0.9) patch.owner = pick(users).id;
        else Object.assign(patch, { status: pick(STATUSES), owner: pick(users).id, n: Math.floor(Math.random() * 10) });
        await write('PATCH', `/${before.id}`, patch);
        const after = { ...before, ...patch } as Row;
        rows.set(after.id, after);
        expect(before, after);
      } else {
        // The pinned records are deleted rarely, so record subscriptions keep seeing changes.
        const before = pick(live);
        if (pinned.includes(before.id) && Math.random() < 0.8) continue;
        await write('DELETE', `/${before.id}`);
        rows.delete(before.id);
        expect(before, undefined);
      }
    }
  })();

  // The dropper: one live subscriber at a time, after a few more acknowledged
  // writes (so that replays have something to carry on either engine), in a varied way.
  const started = Date.now();
  let disconnects = 0;
  const modes = new Map<string, number>();
  while (disconnects < DISCONNECTS) {
    const until = w + 1 + Math.floor(Math.random() * 5);
    while (w < until) await sleep(2);
    const live = subscribers.filter((s) => s.live);
    if (!live.length) continue;
    const s = pick(live);
    const duringReplay = Math.random() < 0.3;
    const mode: DropMode = pick(['close', ...HARD]);
    if (duringReplay) s.dropDuringReplay = pick(HARD);
    if (s.drop(mode)) {
      disconnects++;
      modes.set(mode, (modes.get(mode) ?? 0) + 1);
    }
  }
  writerDone = true;
  await writer;

  // Quiescence by seq: every subscriber reconnected, live, and holding as many frames as it should.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && subscribers.some((s) => !s.subscribed || s.frames.length < s.expected.length)) await sleep(50);
  await sleep(300);
  await Promise.all(subscribers.map((s) => s.stop()));

  let events = 0;
  let lost = 0;
  let duplicated = 0;
  let disorder = 0;
  for (const [i, s] of subscribers.entries()) {
    const got = s.frames.map((f) => `${f.action} ${f.record.id} w${f.record.w}`);
    events += got.length;
    const seen = new Map<string, number>();
    for (const key of got) seen.set(key, (seen.get(key) ?? 0) + 1);
    const want = new Set(s.expected);
    lost += s.expected.filter((key) => !seen.has(key)).length;
    duplicated += [...seen.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0) + got.filter((key) => !want.has(key)).length;
    for (let j = 1; j < s.frames.length; j++) if (s.frames[j].seq <= s.frames[j - 1].seq) disorder++;
    const label = `subscriber ${i} (${s.interest.recordId ? `record ${s.interest.recordId}` : 'list'}${s.interest.filter ? `, ${s.interest.filter}` : ''})`;
    if (JSON.stringify(got) !== JSON.stringify(s.expected)) {
      const at = got.findIndex((key, j) => key !== s.expected[j]);
      t.fail(`${label}: received differs from expected at ${at === -1 ? got.length : at}`, {
        got: got.slice(Math.max(0, at - 3), at + 5), want: s.expected.slice(Math.max(0, at - 3), at + 5), gotLength: got.length, wantLength: s.expected.length,
      });
    }
    t.same(s.errors, [], `${label}: no error frames`);
  }
  t.equal(lost, 0, 'nothing lost');
  t.equal(duplicated, 0, 'nothing duplicated (nor unexpected)');
  t.equal(disorder, 0, 'seq increasing for every subscriber');
  t.ok(disconnects >= DISCONNECTS, `${disconnects} disconnects`);
  const replayDrops = subscribers.reduce((sum, s) => sum + s.replayDrops, 0);
  t.ok(events > 0, 'events were checked');
  t.comment(`resume: ${subscribers.length} subscribers, ${disconnects} disconnects (${[...modes].map(([m, n]) => `${m} ${n}`).join(', ')}) + ${replayDrops} during replay, ${w} writes, ${events} events checked, lost ${lost}, duplicated ${duplicated}, out of order ${disorder}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

/**
 * One subscriber: a connection loop that authenticates, subscribes (with
 * `since` = the last seq it saw once it has seen one) and reconnects after
 * every drop. `frames` is everything it received, across connections, in order.
 */
class Subscriber {
  readonly frames: Frame[] = [];
  readonly expected: string[] = [];
  readonly errors: Frame[] = [];
  /** Set by the dropper: the next connection is dropped this way during its replay. */
  dropDuringReplay: DropMode | undefined;
  replayDrops = 0;
  /** The socket is open and authenticated (the dropper's target). */
  live = false;
  /** The current connection's subscription is acknowledged. */
  subscribed = false;
  private cursor = 0;
  private socket: WebSocket | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string, readonly interest: Interest, private readonly serverSockets: Map<number, Socket>) {}

  /** The first subscription (without since: the writer has not started); then the reconnect loop. */
  async start(): Promise<void> {
    let first: () => void;
    const subscribed = new Promise<void>((resolve) => (first = resolve));
    this.loop = (async () => {
      while (!this.stopped) {
        await this.connection(first);
        if (!this.stopped) await sleep(Math.random() * 30);
      }
    })();
    await subscribed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.close();
    await this.loop;
  }

  /** Drops the live connection; answers whether it was live. */
  drop(mode: DropMode): boolean {
    const socket = this.socket;
    if (!socket || !this.live) return false;
    this.live = false;
    const tcp = (socket as any)._socket as Socket | undefined;
    if (mode === 'close') socket.close();
    else if (mode === 'terminate') socket.terminate();
    else if (!tcp) socket.terminate();
    else if (mode === 'destroy') tcp.destroy();
    else if (mode === 'reset') tcp.resetAndDestroy();
    else (this.serverSockets.get(tcp.localPort!) ?? tcp).destroy();
    return true;
  }

  /** One connection, until it closes: every frame it delivers is counted before the next one opens. */
  private async connection(onSubscribed: () => void): Promise<void> {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    const replayDrop = this.dropDuringReplay;
    this.dropDuringReplay = undefined;
    const sub = 's';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.op === 'change' && frame.sub === sub) {
        this.frames.push(frame);
        this.cursor = frame.seq;
        if (replayDrop && socket === this.socket && this.live) {
          this.replayDrops++;
          this.drop(replayDrop);
        }
      } else if (frame.op === 'ack' && frame.id === 'auth') {
        const since = this.frames.length || this.cursor ? this.cursor : undefined;
        socket.send(JSON.stringify({ op: 'subscribe', id: sub, collection: 'items', filter: this.interest.filter, recordId: this.interest.recordId, since }));
        this.live = true;
        // A third of the replay drops come before the ack: while the server registers and starts the replay.
        if (replayDrop && Math.random() < 0.33) {
          this.replayDrops++;
          this.drop(replayDrop);
        }
      } else if (frame.op === 'ack' && frame.id === sub) {
        if (!this.cursor) this.cursor = frame.seq;
        this.subscribed = socket === this.socket;
        onSubscribed();
      } else if (frame.op === 'error') {
        this.errors.push(frame);
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ op: 'auth', id: 'auth', token: this.interest.token })));
    await closed;
    this.live = false;
    this.subscribed = false;
  }
}
