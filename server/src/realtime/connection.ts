import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { realtimeCloseCodes, type RealtimeErrorCode } from '@baas/protocol';
import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { IdentityEvent } from '../db/identity-events.ts';
import { effectOn, type Holder, type Identity, type IdentityOf } from './auth.ts';
import type { ChannelMember, Channels } from './channels.ts';
import { RealtimeError } from './errors.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.ts';
import type { ProjectHub, Subscriber, Subscription } from './hub.ts';
import { guestViewer, type Viewer } from './judge.ts';
import { getRealtimeSettings, mayJoin } from './settings.ts';

/** Per-connection limits. */
export interface ConnectionLimits {
  maxSubscriptions: number;
  maxChannels: number;
  /** Sustained client messages per second, with `burst` allowed at once. */
  messagesPerSecond: number;
  burst: number;
  /** Unsent bytes beyond which the connection is closed (4008). */
  sendBuffer: number;
}

/** What the realtime service gives each of its connections. */
export interface ConnectionDeps {
  limits: ConnectionLimits;
  /** Resolves the token of an `auth` message (and again, when an identity event asks). */
  identityOf: IdentityOf;
  /** Counts a connection of the project closed as a slow consumer. */
  slowConsumer(project: string): void;
}

const MAX_ID = 128;
const REVOKED = 'the credential of this connection was revoked: sign in again, send auth, then subscribe again';
const MAX_CHANNEL = 256;
// A closing slow consumer may never read its close frame: drop it for good after this.
const CLOSE_GRACE_MS = 5000;

// Connections with queued frames, written together once the current fan-out is done.
const toFlush = new Set<Connection>();
let flushScheduled = false;

function scheduleFlush(connection: Connection): void {
  toFlush.add(connection);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const connections = [...toFlush];
    toFlush.clear();
    for (const c of connections) c.flush();
  });
}

interface Held {
  sub: Subscription;
  /** Made while authenticated: ends when the token expires. */
  needsAuth: boolean;
}

/**
 * One realtime WebSocket: its identity, subscriptions and channels, the
 * protocol's messages, rate limit and bounded send buffer. Messages are
 * handled one after the other (an `auth` applies to the `subscribe` sent
 * right after it); a backlog replay runs beside them.
 */
export class Connection implements Subscriber, ChannelMember {
  readonly key = randomBytes(9).toString('base64url');
  viewer: Viewer;
  /** Whose credential the connection holds (none as a guest): what identity events are matched against. */
  private holder: Holder | undefined;
  /** The token of that credential, to read its identity again. */
  private token: string | undefined;
  /** Re-checks of the identity in flight, and the judgments waiting for them. */
  private rechecks = 0;
  private readonly deferred: Array<() => void> = [];
  /** When the heartbeat last pinged, and whether the pong came back. */
  pingedAt = Date.now();
  awaitingPong = false;
  lastActivity = Date.now();
  private readonly subs = new Map<string, Held>();
  private readonly joined = new Map<string, boolean>();
  private expiry: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private tokens: number;
  private refilledAt = Date.now();
  private closing = false;
  /**
   * Set when the socket has closed. A subscribe, auth or join that was awaiting
   * the database then must not register anything: nothing would ever remove it
   * (on PostgreSQL a socket dropped before `subscribe` finished left its
   * subscription in the hub for good).
   */
  private disposed = false;
  private readonly limits: ConnectionLimits;
  private outbox: string[] = [];
  private outboxBytes = 0;

  /** The project this connection belongs to. */
  get projectId(): string {
    return this.project.id;
  }

  /** How many record subscriptions it holds (for the realtime stats). */
  get subscriptionCount(): number {
    return this.subs.size;
  }

  constructor(
    private readonly socket: WebSocket,
    private readonly project: ProjectHandle,
    private readonly hub: ProjectHub,
    private readonly channels: Channels,
    private readonly deps: ConnectionDeps,
    identity: Identity,
  ) {
    this.limits = deps.limits;
    this.viewer = identity.viewer;
    this.holder = identity.holder;
    this.token = identity.token;
    this.tokens = this.limits.burst;
    this.expireAt(identity.expiresAt);
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.awaitingPong = false));
    socket.on('close', () => this.dispose());
  }

  /** Whether the idle timeout applies: nothing subscribed or joined. */
  get idle(): boolean {
    return this.subs.size === 0 && this.joined.size === 0;
  }

  /**
   * Queues a frame; the queue goes out on the next turn of the event loop in
   * one write. A fan-out of several changes in a row then costs one system
   * call per connection, not one per frame, which is most of a delivery's cost.
   */
  send(frame: string): void {
    if (this.closing) return;
    if (this.socket.bufferedAmount + this.outboxBytes > this.limits.sendBuffer) {
      this.outbox = [];
      this.outboxBytes = 0;
      this.deps.slowConsumer(this.project.id);
      this.close(realtimeCloseCodes.slowConsumer, 'slow consumer: send buffer overflow');
      return;
    }
    this.outbox.push(frame);
    this.outboxBytes += frame.length;
    if (this.outbox.length === 1) scheduleFlush(this);
  }

  /** Writes the queued frames, corked into one write. */
  flush(): void {
    const frames = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    if (this.closing || frames.length === 0) return;
    // ws corks the TCP socket around each frame; an outer cork makes the whole queue one writev.
    const raw = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    raw?.cork();
    for (const frame of frames) this.socket.send(frame);
    raw?.uncork();
  }

  async drained(): Promise<void> {
    while (!this.closing && this.socket.bufferedAmount + this.outboxBytes > this.limits.sendBuffer / 2) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  ping(): void {
    this.pingedAt = Date.now();
    this.awaitingPong = true;
    this.socket.ping();
  }

  /** Closes with a code and reason; drops the connection if the close handshake does not finish. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private dispose(): void {
    this.closing = true;
    this.disposed = true;
    clearTimeout(this.expiry);
    for (const { sub } of this.subs.values()) this.hub.unsubscribe(sub);
    this.subs.clear();
    for (const channel of this.joined.keys()) this.channels.leave(channel, this);
    this.joined.clear();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.lastActivity = Date.now();
    const now = Date.now();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.messagesPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) {
      this.error(idOf(data), 'rate_limited', `more than ${this.limits.messagesPerSecond} messages per second; message dropped`);
      return;
    }
    this.tokens -= 1;
    let message: Record<string, unknown>;
    try {
      if (isBinary) throw new Error('binary');
      const text = data.toString('utf8');
      if (nestsDeeperThan(text)) {
        this.error(idOf(data), 'invalid_message', `a message may nest at most ${MAX_JSON_DEPTH} levels of arrays and objects`);
        return;
      }
      message = JSON.parse(text);
      if (message === null || typeof message !== 'object' || Array.isArray(message)) throw new Error('not an object');
    } catch {
      this.error(undefined, 'invalid_message', 'a message must be a JSON object in a text frame');
      return;
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    this.queue = this.queue.then(() => this.handle(message, id)).catch((err) => {
      if (err instanceof RealtimeError) this.error(id, err.code, err.message, err.details);
      else if (err instanceof ApiError) this.error(id, err.code, err.message, err.details);
      else this.error(id, 'internal_error', 'the message could not be handled');
    });
  }

  private async handle(message: Record<string, unknown>, id: string | undefined): Promise<void> {
    if (message.id !== undefined && (typeof message.id !== 'string' || message.id.length > MAX_ID)) {
      throw new RealtimeError('invalid_message', `'id' must be a string of at most ${MAX_ID} characters`);
    }
    switch (message.op) {
      case 'auth':
        return this.auth(text(message, 'token', 4096)!, id);
      case 'subscribe':
        return this.subscribe(message, id);
      case 'unsubscribe':
        return this.unsubscribe(id);
      case 'join':
        return this.join(channelOf(message), message.presence, id);
      case 'leave': {
        const channel = channelOf(message);
        if (!this.joined.delete(channel)) throw new RealtimeError('not_joined', `not a member of '${channel}'`);
        this.channels.leave(channel, this);
        return this.ack(id);
      }
      case 'broadcast': {
        const channel = channelOf(message);
        const event = text(message, 'event', MAX_CHANNEL)!;
        if (!this.joined.has(channel)) throw new RealtimeError('not_joined', `join '${channel}' before broadcasting to it`);
        this.channels.broadcast(channel, this, event, message.payload);
        if (id !== undefined) this.ack(id);
        return;
      }
      default:
        throw new RealtimeError(typeof message.op === 'string' ? 'unknown_op' : 'invalid_message', `unknown op ${JSON.stringify(message.op)}`);
    }
  }

  private async auth(token: string, id: string | undefined): Promise<void> {
    const identity = await this.deps.identityOf(this.project, token);
    if (this.disposed) return;
    this.viewer = identity.viewer;
    this.holder = identity.holder;
    this.token = identity.token;
    this.expireAt(identity.expiresAt);
    // What was subscribed as a guest stays; what is subscribed from now on needs this identity.
    this.ack(id);
  }

  /**
   * At the token's expiry the connection falls back to a guest: the
   * subscriptions and channels that were made while authenticated end with
   * an error frame (`token_expired`); a re-auth before then moves the expiry.
   */
  private expireAt(at: number | undefined): void {
    clearTimeout(this.expiry);
    if (at === undefined) return;
    this.expiry = setTimeout(() => {
      this.fallBackToGuest('token_expired', 'the access token expired: refresh it, send auth, then subscribe again');
    }, Math.max(0, at - Date.now()));
    this.expiry.unref();
  }

  /**
   * An identity event of the instance (see identity-events.ts). When it ends
   * the credential this connection holds, the connection falls back to a
   * guest at once (`access_revoked`, `details.reason`); when it changes what
   * rules read of its user, every later change is judged with the new claims
   * (judging reads `viewer` per change) and the channels are judged again.
   */
  identityEvent(event: IdentityEvent | undefined): void {
    const effect = effectOn(event, this.project.id, this.holder);
    if (!effect || this.closing) return;
    if (effect.kind === 'revoke') {
      this.fallBackToGuest('access_revoked', REVOKED, { reason: effect.reason });
      return;
    }
    // Judging waits for the new identity (defer): a change meanwhile must be judged neither
    // with the old claims (a removed role would still see it) nor dropped.
    this.rechecks++;
    // In the message queue: an `auth` or `join` in flight must not interleave.
    this.queue = this.queue
      .then(() => this.recheck())
      .catch(() => {})
      .finally(() => {
        if (--this.rechecks > 0) return;
        for (const judge of this.deferred.splice(0)) judge();
      });
  }

  defer(judge: () => void): boolean {
    if (this.rechecks === 0) return false;
    this.deferred.push(judge);
    return true;
  }

  /** Reads the identity of the connection's token again: new claims, or revoked. */
  private async recheck(): Promise<void> {
    if (!this.holder || !this.token) return;
    let identity: Identity;
    try {
      identity = await this.deps.identityOf(this.project, this.token);
    } catch (err) {
      if (err instanceof ApiError) this.fallBackToGuest('access_revoked', REVOKED, { reason: 'revoked' });
      return;
    }
    this.viewer = identity.viewer;
    this.holder = identity.holder;
    await this.rejudgeChannels();
  }

  /** Leaves (with `access_revoked`) the channels the current identity may no longer join. */
  private async rejudgeChannels(): Promise<void> {
    if (this.joined.size === 0) return;
    const { channelRule } = await getRealtimeSettings(this.project.db);
    for (const channel of [...this.joined.keys()]) {
      if (mayJoin(channelRule, this.viewer, channel)) continue;
      this.joined.delete(channel);
      this.channels.leave(channel, this);
      this.error(undefined, 'access_revoked', `the channel rule no longer lets you join '${channel}'`, { channel, reason: 'channel_rule' });
    }
  }

  /**
   * The connection becomes a guest: what was subscribed or joined while
   * authenticated ends with an error frame of `code` (channels: with
   * `details.channel`); what was made as a guest stays.
   */
  private fallBackToGuest(code: 'token_expired' | 'access_revoked', message: string, details: Record<string, unknown> = {}): void {
    clearTimeout(this.expiry);
    this.viewer = guestViewer;
    this.holder = undefined;
    this.token = undefined;
    // What ends here may leave the connection idle: the idle timeout counts from now, so
    // the client has it in full to sign in again, re-auth and subscribe again.
    this.lastActivity = Date.now();
    for (const [subId, held] of this.subs) {
      if (!held.needsAuth) continue;
      this.hub.unsubscribe(held.sub);
      this.subs.delete(subId);
      this.error(subId, code, message, Object.keys(details).length ? details : undefined);
    }
    for (const [channel, needsAuth] of this.joined) {
      if (!needsAuth) continue;
      this.joined.delete(channel);
      this.channels.leave(channel, this);
      this.error(undefined, code, message, { ...details, channel });
    }
  }

  private async subscribe(message: Record<string, unknown>, id: string | undefined): Promise<void> {
    if (id === undefined) throw new RealtimeError('invalid_message', 'subscribe needs an \'id\' (the subscription\'s)');
    if (this.subs.has(id)) throw new RealtimeError('duplicate_subscription', `subscription '${id}' exists; unsubscribe first`);
    if (this.subs.size >= this.limits.maxSubscriptions) {
      throw new RealtimeError('too_many_subscriptions', `at most ${this.limits.maxSubscriptions} subscriptions per connection`);
    }
    const since = message.since;
    if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
      throw new RealtimeError('invalid_message', '\'since\' must be a non-negative integer (a seq)');
    }
    const sub = await this.hub.subscribe(this, {
      id,
      collection: text(message, 'collection', 256)!,
      filter: message.filter === '' ? undefined : text(message, 'filter', 4096, true),
      recordId: text(message, 'recordId', 256, true),
      since,
    });
    if (this.disposed || this.subs.has(id)) {
      // Closed meanwhile, or the same id subscribed twice in flight: keep nothing of this one.
      this.hub.unsubscribe(sub);
      if (!this.disposed) throw new RealtimeError('duplicate_subscription', `subscription '${id}' exists; unsubscribe first`);
      return;
    }
    this.subs.set(id, { sub, needsAuth: this.viewer !== guestViewer });
    this.send(JSON.stringify({ op: 'ack', id, seq: sub.lastSeq }));
    if (since !== undefined) {
      this.hub.replay(sub).catch(() => {
        this.hub.unsubscribe(sub);
        this.subs.delete(id);
        this.error(id, 'internal_error', 'the replay of the change log failed; subscribe again');
      });
    }
  }

  private unsubscribe(id: string | undefined): void {
    const held = id === undefined ? undefined : this.subs.get(id);
    if (!held) throw new RealtimeError('subscription_not_found', `no subscription '${id}'`);
    this.hub.unsubscribe(held.sub);
    this.subs.delete(id!);
    this.ack(id);
  }

  private async join(channel: string, presence: unknown, id: string | undefined): Promise<void> {
    if (presence !== undefined && (presence === null || typeof presence !== 'object' || Array.isArray(presence))) {
      throw new RealtimeError('invalid_message', '\'presence\' must be an object');
    }
    if (!this.joined.has(channel) && this.joined.size >= this.limits.maxChannels) {
      throw new RealtimeError('invalid_message', `at most ${this.limits.maxChannels} channels per connection`);
    }
    const { channelRule } = await getRealtimeSettings(this.project.db);
    if (this.disposed) return;
    if (!mayJoin(channelRule, this.viewer, channel)) throw new RealtimeError('forbidden', `the channel rule does not let you join '${channel}'`);
    this.joined.set(channel, this.viewer !== guestViewer);
    this.ack(id);
    this.channels.join(channel, this, this.viewer.auth?.id ?? null, (presence as Record<string, unknown>) ?? {});
  }

  private ack(id: string | undefined): void {
    this.send(JSON.stringify(id === undefined ? { op: 'ack' } : { op: 'ack', id }));
  }

  private error(id: string | undefined, code: RealtimeErrorCode, message: string, details?: Record<string, unknown>): void {
    const error = details ? { code, message, details } : { code, message };
    this.send(JSON.stringify(id === undefined ? { op: 'error', error } : { op: 'error', id, error }));
  }
}

/**
 * The id of a message that is refused unparsed, so the client can fail the
 * call instead of waiting for an answer forever. It is read from the frame's
 * start, not by parsing it: a flood must not cost a JSON parse per frame.
 */
function idOf(data: Buffer): string | undefined {
  return /^\s*\{[^{]*?"id"\s*:\s*"([^"\\]{1,64})"/.exec(data.subarray(0, 256).toString('utf8'))?.[1];
}

/** A string field of a message: required unless `optional`, at most `max` characters. */
function text(message: Record<string, unknown>, name: string, max: number, optional = false): string | undefined {
  const value = message[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new RealtimeError('invalid_message', `'${name}' must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function channelOf(message: Record<string, unknown>): string {
  return text(message, 'channel', MAX_CHANNEL)!;
}
