import type { RealtimeChangeAction, RealtimeClientMessage, RealtimeServerFrame, RealtimeStats } from '@baas/protocol';
import { safe, type BaasError } from '../errors.ts';
import type { Transport } from '../http.ts';
import { Channel } from './channel.ts';
import { replyError, type Link, type OnReply, type Reply } from './link.ts';

/** Ends a subscription, a watch or a listener. Calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * What `subscribe()` and `watch()` answer: the function that ends it, and
 * awaitable — it resolves once the server acknowledged (for `watch()`, once
 * the first list arrived), so a change made after `await` is never lost,
 * across reconnects too; it rejects with the error that ended it first.
 */
export type LiveSubscription = Unsubscribe & PromiseLike<void>;

/** Makes `stop` awaitable on `ready`. A caller who never awaits it never sees an unhandled rejection. */
export function awaitable(stop: Unsubscribe, ready: Promise<void>): LiveSubscription {
  ready.catch(() => {});
  return Object.assign(stop, { then: ready.then.bind(ready) }) as LiveSubscription;
}

/**
 * What to subscribe to: `'*'` (every record the caller may list), `{ filter }`
 * or `{ id }`. Any other string is a record id when it looks like one
 * (`/^[A-Za-z0-9_-]+$/`), else a filter: `'abc123'` is an id, `"done = true"` a filter.
 */
export type SubscriptionTarget = '*' | (string & {}) | { filter?: string; id?: string };

/** One change as a subscription sees it. */
export interface RecordEvent<R = Record<string, unknown>> {
  /** `enter` / `leave`: an update made the record start / stop matching (`leave` carries it as last seen). */
  action: RealtimeChangeAction;
  record: R;
  /** The change log position: increasing in commit order. */
  seq: number;
}

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * The subscription failed for good (`invalid_filter`, `forbidden`,
   * `collection_not_found`...) and is over. The error is a `BaasError` with
   * `status` 0 (a WebSocket has no HTTP status) and the frame's code, message and details.
   */
  onError?: (error: BaasError) => void;
  /**
   * Events were lost (the server's log no longer reaches back to the last
   * one seen, `since_too_old`): the subscription goes on live; refetch what you show.
   * Called once the new subscription is live, so a refetch then misses nothing.
   */
  onReset?: () => void;
  /** The server acknowledged the subscription (once): changes from here on arrive, so a fetch now misses none. */
  onReady?: () => void;
}

/** A WebSocket constructor as browsers and the `ws` package provide it. */
export type WebSocketLike = new (url: string) => WebSocket;

/** Options of the realtime client (part of `ClientOptions.realtime`). */
export interface RealtimeOptions {
  /** The WebSocket class; default the global one, else (Node 20) the `ws` package, loaded only then. */
  WebSocket?: WebSocketLike;
  /** Reconnect backoff in ms: the first delay and the cap (default 500 and 10000), with full jitter. */
  reconnectDelay?: { min?: number; max?: number };
  /**
   * Ms the socket stays open once nothing is subscribed or joined (default
   * 1000), so an unsubscribe followed by a subscribe (a re-rendered view) reuses it.
   */
  closeDelay?: number;
}

interface Sub {
  id: string;
  message: { collection: string; filter?: string; recordId?: string };
  callback: (event: RecordEvent) => void;
  options: SubscribeOptions;
  /** The last seq seen (change or ack): where a resubscription resumes. */
  seq?: number;
  /** 0: to send; 1: sent (live once acked); 2: ended by token_expired, waiting for a new token. */
  state: 0 | 1 | 2;
  /** Resubscribed after since_too_old: onReset once live. */
  reset?: boolean;
  ready?: boolean;
  /** Settles the awaitable subscribe(): acked, or ended first. */
  settle: { resolve: () => void; reject: (error: BaasError) => void };
}

// A connection open this long counts as stable: the next drop starts the backoff over.
const STABLE_MS = 5000;
const recordId = /^[A-Za-z0-9_-]+$/;

/**
 * The one shared WebSocket of a client. Opened on the first subscription or
 * channel join, closed shortly after the last one ends (idle clients hold no
 * connection), reopened with jittered backoff after any unexpected drop.
 * Subscriptions resume from the last seq they saw, so none loses or repeats
 * an event across a reconnect.
 */
export class RealtimeClient {
  private ws: WebSocket | undefined;
  /** The socket is open and its state (auth, subscriptions, joins) was sent. */
  private isOpen = false;
  private connecting = false;
  private attempt = 0;
  private openedAt = Infinity;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The token last sent in `auth` (undefined: the connection is a guest). */
  private token: string | undefined;
  private counter = 0;
  private readonly subs = new Map<string, Sub>();
  private readonly channels = new Map<string, Channel>();
  private readonly replies = new Map<string, OnReply>();
  /** Messages sent while not connected (broadcasts), sent after the state on open. */
  private queue: Array<[RealtimeClientMessage, OnReply]> = [];
  private readonly link: Link = {
    open: () => this.isOpen,
    call: (message, onReply) => this.call(message, onReply),
    wake: () => this.wake(),
    idle: () => this.idle(),
  };

  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
    protected readonly options: RealtimeOptions,
  ) {}

  /** The project's open connections, subscriptions and channels on the server (service role or admin). */
  stats(): Promise<RealtimeStats> {
    return this.http.request('GET', `${this.base()}/realtime/stats`);
  }

  /** Whether the socket is open now (false while connecting, reconnecting or idle). */
  get connected(): boolean {
    return this.isOpen;
  }

  /** Subscribes to changes of `collection`; see `RecordsApi.subscribe`. */
  subscribe(collection: string, target: SubscriptionTarget, callback: (event: RecordEvent) => void, options: SubscribeOptions = {}): LiveSubscription {
    const t = typeof target !== 'string' ? target : target === '*' ? {} : recordId.test(target) ? { id: target } : { filter: target };
    let settle!: Sub['settle'];
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const sub: Sub = { id: `s${++this.counter}`, message: { collection, filter: t.filter || undefined, recordId: t.id }, callback, options, state: 0, settle };
    this.wake();
    this.subs.set(sub.id, sub);
    this.sendSub(sub);
    return awaitable(() => {
      // Ended before the ack: nothing more to wait for.
      sub.settle.resolve();
      if (this.subs.get(sub.id) !== sub) return;
      this.subs.delete(sub.id);
      if (sub.state === 1 && this.isOpen) this.send({ op: 'unsubscribe', id: sub.id });
      this.idle();
    }, ready);
  }

  /** The channel `name` (the same object for the same name): join it for presence and broadcasts. */
  channel(name: string): Channel {
    let channel = this.channels.get(name);
    if (!channel) this.channels.set(name, (channel = new Channel(name, this.link)));
    return channel;
  }

  /**
   * Sends `auth` again with the current token (after a sign-in, refresh or
   * sign-out), then resubscribes what a token expiry ended. The server has no
   * way back to a guest, so a sign-out reconnects (resuming without loss).
   */
  reauthenticate(): void {
    const ws = this.ws;
    if (!ws || !this.isOpen) return; // the next open sends the token of then
    void this.http.bearer().then((token) => {
      if (ws !== this.ws || token === this.token) return;
      if (!token) {
        this.drop(ws);
        ws.close();
        return;
      }
      this.authenticate(token);
    }, () => {});
  }

  /** Closes the socket and ends every subscription and channel (without calling onError). */
  close(): void {
    for (const sub of this.subs.values()) sub.settle.resolve();
    this.subs.clear();
    for (const channel of this.channels.values()) channel.reset(true);
    this.shut();
    this.idle();
  }

  private active(): boolean {
    if (this.subs.size) return true;
    for (const channel of this.channels.values()) if (channel.joined) return true;
    return false;
  }

  /** Something was subscribed or joined: keep the socket, or open it. */
  private wake(): void {
    this.base(); // throws now, not in a timer, when the client has no project
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.ws && !this.connecting && !this.retryTimer) void this.connect();
  }

  /** Something ended: with nothing left, close after the grace period and stop reconnecting. */
  private idle(): void {
    if (this.active()) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.idleTimer);
    this.idleTimer = this.ws ? setTimeout(() => this.shut(), this.options.closeDelay ?? 1000) : undefined;
    for (const [, onReply] of this.queue.splice(0)) onReply(null);
  }

  private shut(): void {
    const ws = this.ws;
    if (!ws) return;
    this.drop(ws);
    ws.close(1000);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      const Socket = await this.socketClass();
      if (!this.active()) return;
      const ws = new Socket(this.http.baseUrl.replace(/^http/, 'ws') + this.base() + '/realtime');
      this.ws = ws;
      ws.onopen = () => void this.opened(ws);
      ws.onmessage = (e) => {
        if (ws === this.ws) this.frame(JSON.parse(String(e.data)));
      };
      ws.onclose = ws.onerror = () => this.drop(ws);
    } catch {
      this.retry();
    } finally {
      this.connecting = false;
    }
  }

  private async socketClass(): Promise<WebSocketLike> {
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    if (Socket) return Socket;
    // Node 20 has no global WebSocket. A computed specifier keeps bundlers from
    // pulling `ws` into browser builds (a plain constant gets inlined by minifiers,
    // and the next bundler would see it): it is loaded only here, only then.
    const name = ['ws'].join('');
    return ((await import(/* @vite-ignore */ name)) as { default: WebSocketLike }).default;
  }

  private retry(): void {
    if (!this.active() || this.retryTimer) return;
    const { min = 500, max = 10_000 } = this.options.reconnectDelay ?? {};
    // Full jitter: clients dropped together by a restart do not come back together.
    const delay = Math.random() * Math.min(max, min * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private async opened(ws: WebSocket): Promise<void> {
    // The token of now, not of when connecting began: a sign-in may have happened since.
    // Nothing is sent before it (isOpen is still false), so auth goes first.
    let token: string | undefined;
    try {
      token = await this.http.bearer();
    } catch {
      // No token now (a refresh failed): rather than go on as a guest, try again later.
      this.drop(ws);
      ws.close();
      return;
    }
    if (ws !== this.ws) return;
    this.isOpen = true;
    this.openedAt = Date.now();
    // The server handles messages in order: auth applies to the subscriptions right after it.
    if (token) this.send({ op: 'auth', token });
    const fresh = token !== this.token;
    this.token = token;
    for (const sub of this.subs.values()) {
      if (sub.state === 2 && fresh) sub.state = 0;
      this.sendSub(sub);
    }
    for (const channel of this.channels.values()) channel.sync(fresh);
    for (const [message, onReply] of this.queue.splice(0)) this.call(message, onReply);
  }

  /** The socket closed or failed (or is being closed here): forget it and reconnect if anything is still wanted. */
  private drop(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.isOpen = false;
    if (Date.now() - this.openedAt > STABLE_MS) this.attempt = 0;
    this.openedAt = Infinity;
    for (const sub of this.subs.values()) if (sub.state === 1) sub.state = 0;
    for (const channel of this.channels.values()) channel.reset(false);
    const replies = [...this.replies.values()];
    this.replies.clear();
    for (const onReply of replies) onReply(null);
    this.retry();
  }

  private send(message: RealtimeClientMessage): void {
    this.ws!.send(JSON.stringify(message));
  }

  /** Sends a message with an id and routes its ack or error to `onReply` (null: the socket dropped first). */
  private call(message: RealtimeClientMessage, onReply: OnReply): void {
    if (!this.isOpen) {
      this.queue.push([message, onReply]);
      return;
    }
    message.id ??= `r${++this.counter}`;
    this.replies.set(message.id, onReply);
    this.send(message);
  }

  private authenticate(token: string): void {
    this.token = token;
    this.send({ op: 'auth', token });
    for (const sub of this.subs.values()) {
      if (sub.state === 2) {
        sub.state = 0;
        this.sendSub(sub);
      }
    }
    for (const channel of this.channels.values()) channel.sync(true);
  }

  private sendSub(sub: Sub): void {
    if (!this.isOpen || sub.state !== 0) return;
    sub.state = 1;
    // `since`: the server first sends every change after the last one seen, so a reconnect loses none.
    this.call({ op: 'subscribe', id: sub.id, ...sub.message, since: sub.seq }, (reply) => {
      if (!reply || this.subs.get(sub.id) !== sub) return;
      if (reply.op === 'ack') {
        if (reply.seq! >= (sub.seq ?? 0)) sub.seq = reply.seq;
        if (sub.reset) {
          sub.reset = false;
          if (sub.options.onReset) safe(sub.options.onReset);
        }
        if (!sub.ready) {
          sub.ready = true;
          sub.settle.resolve();
          if (sub.options.onReady) safe(sub.options.onReady);
        }
      } else if (reply.error.code === 'since_too_old') {
        sub.seq = undefined;
        sub.state = 0;
        sub.reset = true;
        this.sendSub(sub);
      } else {
        this.end(sub, reply);
      }
    });
  }

  private end(sub: Sub, reply: Reply & { op: 'error' }): void {
    this.subs.delete(sub.id);
    this.idle();
    const { onError } = sub.options;
    sub.settle.reject(replyError(reply));
    if (onError) safe(() => onError(replyError(reply)));
  }

  private frame(frame: RealtimeServerFrame): void {
    if (frame.op === 'change') {
      const sub = this.subs.get(frame.sub);
      // The seq guard drops a change seen before (a replay overlapping what arrived live).
      if (!sub || frame.seq <= sub.seq!) return;
      sub.seq = frame.seq;
      safe(() => sub.callback({ action: frame.action, record: frame.record, seq: frame.seq }));
    } else if (frame.op === 'ack' || frame.op === 'error') {
      const onReply = frame.id === undefined ? undefined : this.replies.get(frame.id);
      if (onReply) {
        this.replies.delete(frame.id!);
        onReply(frame as Reply);
        return;
      }
      if (frame.op !== 'error') return;
      // An error nobody waits for: the server ended a subscription or a channel.
      const sub = frame.id === undefined ? undefined : this.subs.get(frame.id);
      const channel = this.channels.get(frame.error.details?.channel as string);
      if (frame.error.code === 'token_expired') {
        // Wait for a new token (a refresh calls reauthenticate; ask now in case one is there).
        if (sub) sub.state = 2;
        channel?.expired();
        this.reauthenticate();
      } else if (sub) {
        this.end(sub, frame);
      }
    } else {
      this.channels.get(frame.channel)?.receive(frame);
    }
  }
}
