import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { realtimeCloseCodes, type RealtimeClientMessage, type RealtimeErrorCode, type RealtimeSubscribeMessage } from '@baas/protocol';
import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { IdentityEvent } from '../db/identity-events.ts';
import { effectOn, type Holder, type Identity, type IdentityOf } from './auth.ts';
import type { ChannelMember, Channels } from './channels.ts';
import { RealtimeError } from './errors.ts';
import type { ProjectHub, Subscriber, Subscription } from './hub.ts';
import { guestViewer, type Viewer } from './judge.ts';
import { answerId, decodeFrame, parseMessage, peekId, RefusedFrame } from './messages.ts';
import { Outbox, type FlushScheduler, type Frame } from './outbox.ts';
import { TokenBucket } from './rate-limit.ts';
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
  /** Writes the outboxes of the service's connections, once per turn. */
  flusher: FlushScheduler;
}

const REVOKED = 'the credential of this connection was revoked: sign in again, send auth, then subscribe again';
// A closing slow consumer may never read its close frame: drop it for good after this.
const CLOSE_GRACE_MS = 5000;

interface Held {
  sub: Subscription;
  /** Made while authenticated: ends when the token expires. */
  needsAuth: boolean;
}

/**
 * One realtime WebSocket: its identity, subscriptions and channels, and what
 * each protocol message does to them. Messages are handled one after the
 * other (an `auth` applies to the `subscribe` sent right after it); a
 * backlog replay runs beside them. Its parts: the outbox (outbox.ts), the
 * rate limit (rate-limit.ts) and the message parser (messages.ts).
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
  private readonly rate: TokenBucket;
  private readonly outbox: Outbox;
  private closing = false;
  /**
   * Set when the socket has closed. A subscribe, auth or join that was awaiting
   * the database then must not register anything: nothing would ever remove it
   * (on PostgreSQL a socket dropped before `subscribe` finished left its
   * subscription in the hub for good).
   */
  private disposed = false;
  private readonly limits: ConnectionLimits;

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
    this.rate = new TokenBucket(this.limits.messagesPerSecond, this.limits.burst);
    this.outbox = new Outbox(socket, this.limits.sendBuffer, deps.flusher, () => {
      deps.slowConsumer(project.id);
      this.close(realtimeCloseCodes.slowConsumer, 'slow consumer: send buffer overflow');
    });
    this.expireAt(identity.expiresAt);
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.awaitingPong = false));
    socket.on('close', () => this.dispose());
  }

  /** Whether the idle timeout applies: nothing subscribed or joined. */
  get idle(): boolean {
    return this.subs.size === 0 && this.joined.size === 0;
  }

  /** Queues a frame for the socket, or with `now` writes it at once when nothing is queued (see Outbox); dropped once closing. */
  send(frame: Frame, now = false): void {
    if (this.closing) return;
    if (now) this.outbox.write(frame);
    else this.outbox.push(frame);
  }

  /** Writes the queued frames (the flush scheduler calls it; tests too). */
  flush(): void {
    this.outbox.flush();
  }

  drained(): Promise<void> {
    return this.outbox.drained();
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
    this.outbox.close();
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private dispose(): void {
    this.closing = true;
    this.disposed = true;
    this.outbox.close();
    clearTimeout(this.expiry);
    for (const { sub } of this.subs.values()) this.hub.unsubscribe(sub);
    this.subs.clear();
    for (const channel of this.joined.keys()) this.channels.leave(channel, this);
    this.joined.clear();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.lastActivity = Date.now();
    if (!this.rate.take()) {
      this.error(peekId(data), 'rate_limited', `more than ${this.limits.messagesPerSecond} messages per second; message dropped`);
      return;
    }
    let frame: Record<string, unknown>;
    try {
      frame = decodeFrame(data, isBinary);
    } catch (err) {
      const refused = err as RefusedFrame;
      this.error(refused.id, refused.code, refused.message);
      return;
    }
    const id = answerId(frame);
    // Parsed in the queue too: a refused message is answered in its turn, after the ones before it.
    this.queue = this.queue.then(() => this.handle(parseMessage(frame))).catch((err) => {
      if (err instanceof RealtimeError) this.error(id, err.code, err.message, err.details);
      else if (err instanceof ApiError) this.error(id, err.code, err.message, err.details);
      else this.error(id, 'internal_error', 'the message could not be handled');
    });
  }

  private async handle(message: RealtimeClientMessage): Promise<void> {
    const { id } = message;
    switch (message.op) {
      case 'auth':
        return this.auth(message.token, id);
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe':
        return this.unsubscribe(message.id);
      case 'join':
        return this.join(message.channel, message.presence, id);
      case 'leave': {
        if (!this.joined.delete(message.channel)) throw new RealtimeError('not_joined', `not a member of '${message.channel}'`);
        this.channels.leave(message.channel, this);
        return this.ack(id);
      }
      case 'broadcast': {
        if (!this.joined.has(message.channel)) throw new RealtimeError('not_joined', `join '${message.channel}' before broadcasting to it`);
        this.channels.broadcast(message.channel, this, message.event, message.payload);
        if (id !== undefined) this.ack(id);
        return;
      }
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

  get deferring(): boolean {
    return this.rechecks > 0;
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

  private async subscribe(request: RealtimeSubscribeMessage): Promise<void> {
    const { id, since } = request;
    if (this.subs.has(id)) throw new RealtimeError('duplicate_subscription', `subscription '${id}' exists; unsubscribe first`);
    if (this.subs.size >= this.limits.maxSubscriptions) {
      throw new RealtimeError('too_many_subscriptions', `at most ${this.limits.maxSubscriptions} subscriptions per connection`);
    }
    const sub = await this.hub.subscribe(this, request);
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

  private unsubscribe(id: string): void {
    const held = this.subs.get(id);
    if (!held) throw new RealtimeError('subscription_not_found', `no subscription '${id}'`);
    this.hub.unsubscribe(held.sub);
    this.subs.delete(id);
    this.ack(id);
  }

  private async join(channel: string, presence: Record<string, unknown> | undefined, id: string | undefined): Promise<void> {
    if (!this.joined.has(channel) && this.joined.size >= this.limits.maxChannels) {
      throw new RealtimeError('invalid_message', `at most ${this.limits.maxChannels} channels per connection`);
    }
    const { channelRule } = await getRealtimeSettings(this.project.db);
    if (this.disposed) return;
    if (!mayJoin(channelRule, this.viewer, channel)) throw new RealtimeError('forbidden', `the channel rule does not let you join '${channel}'`);
    this.joined.set(channel, this.viewer !== guestViewer);
    this.ack(id);
    this.channels.join(channel, this, this.viewer.auth?.id ?? null, presence ?? {});
  }

  private ack(id: string | undefined): void {
    this.send(JSON.stringify(id === undefined ? { op: 'ack' } : { op: 'ack', id }));
  }

  private error(id: string | undefined, code: RealtimeErrorCode, message: string, details?: Record<string, unknown>): void {
    const error = details ? { code, message, details } : { code, message };
    this.send(JSON.stringify(id === undefined ? { op: 'error', error } : { op: 'error', id, error }));
  }
}
