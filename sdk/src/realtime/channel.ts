import type { PresenceEntry, RealtimeServerFrame } from '@baas/protocol';
import { BaasError, safe } from '../errors.ts';
import { replyError, type Link } from './link.ts';
import type { Unsubscribe } from './realtime.ts';

/** What `on('presence')` reports with the member list: the full state, or one member joining (or updating) or leaving. */
export type PresenceChange = { event: 'state' } | { event: 'join' | 'leave'; member: PresenceEntry };

/** A broadcast as `on('broadcast')` reports it beside its payload. */
export interface BroadcastMessage {
  event: string;
  /** The sender's presence key (see `Channel.members`). */
  from: string;
}

/**
 * A channel of the project: presence (who is there, with what state) and
 * broadcasts between its members. Get it with `client.realtime.channel(name)`.
 * It rejoins by itself after a reconnect, with the last presence.
 */
export class Channel {
  private me: string | undefined;
  private list: PresenceEntry[] = [];
  private want = false;
  private presence: Record<string, unknown> | undefined;
  /** 0: to send; 1: join sent; 2: ended by token_expired. */
  private state: 0 | 1 | 2 = 0;
  private waiters: Array<[() => void, (error: BaasError) => void]> = [];
  private listeners = new Set<(frame: RealtimeServerFrame) => void>();

  /** @internal Made by `RealtimeClient.channel`. */
  constructor(
    /** The channel's name. */
    readonly name: string,
    private readonly link: Link,
  ) {}

  /** The members (you too: `self` is your key) as the last presence frame said; refreshed after a reconnect. */
  get members(): PresenceEntry[] {
    return [...this.list];
  }

  /** Your presence key in this channel, once joined. */
  get self(): string | undefined {
    return this.me;
  }

  /** Whether the channel is joined or being joined (it rejoins after reconnects until `leave`). */
  get joined(): boolean {
    return this.want;
  }

  /** Joins with a presence state (kept and sent again after reconnects); resolves once in, with `members` set. */
  join(presence?: Record<string, unknown>): Promise<void> {
    if (presence) this.presence = presence;
    this.link.wake(); // first: it throws when the client has no project
    this.want = true;
    if (this.state === 1) this.state = 0; // joining again updates the presence
    return new Promise((resolve, reject) => {
      this.waiters.push([resolve, reject]);
      this.sync(false);
    });
  }

  /** Replaces your presence state: the others get a `join` with it. */
  track(presence: Record<string, unknown>): Promise<void> {
    return this.join(presence);
  }

  /** Leaves the channel; the others get a `leave`. */
  leave(): void {
    if (!this.want) return;
    if (this.state === 1 && this.link.open()) this.link.call({ op: 'leave', channel: this.name }, () => {});
    this.reset(true);
    this.link.idle();
  }

  /** Sends an event to the other members (not to you); resolves when the server took it. */
  send(event: string, payload?: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.want) return reject(new BaasError(0, 'not_joined', `join '${this.name}' before broadcasting to it`));
      this.link.call({ op: 'broadcast', channel: this.name, event, payload }, (reply) => {
        if (reply?.op === 'ack') resolve();
        else reject(reply ? replyError(reply) : new BaasError(0, 'network_error', 'the realtime connection closed before the broadcast was sent'));
      });
    });
  }

  /** Calls `callback` for broadcasts of `event` (`'*'`: every event). */
  on(type: 'broadcast', event: string, callback: (payload: unknown, message: BroadcastMessage) => void): Unsubscribe;
  /** Calls `callback` with the member list whenever it changes. */
  on(type: 'presence', callback: (members: PresenceEntry[], change: PresenceChange) => void): Unsubscribe;
  on(type: 'broadcast' | 'presence', a: unknown, b?: unknown): Unsubscribe {
    const listener = (frame: RealtimeServerFrame) => {
      if (type === 'broadcast' && frame.op === 'broadcast' && (a === '*' || a === frame.event)) {
        (b as (payload: unknown, message: BroadcastMessage) => void)(frame.payload, { event: frame.event, from: frame.from });
      } else if (type === 'presence' && frame.op === 'presence') {
        (a as (members: PresenceEntry[], change: PresenceChange) => void)(this.members, frame.event === 'state' ? { event: 'state' } : { event: frame.event, member: frame.member });
      }
    };
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** @internal Sends the join when the socket is open and the channel should be joined (`fresh`: a new token ends a token expiry). */
  sync(fresh: boolean): void {
    if (fresh && this.state === 2) this.state = 0;
    if (!this.want || this.state !== 0 || !this.link.open()) return;
    this.state = 1;
    this.link.call({ op: 'join', channel: this.name, presence: this.presence }, (reply) => {
      // An ack is followed by the state, which resolves the waiters (so `members` is set by then).
      if (reply?.op !== 'error') return; // null: dropped; rejoined on reconnect
      const waiters = this.waiters.splice(0);
      this.reset(true);
      this.link.idle();
      for (const [, reject] of waiters) reject(replyError(reply));
    });
  }

  /** @internal The socket dropped (`leave`: false; rejoin later) or the channel is left for good. */
  reset(leave: boolean): void {
    if (this.state === 1) this.state = 0;
    if (!leave) return;
    this.want = false;
    this.state = 0;
    this.list = [];
    this.me = undefined;
    for (const [resolve] of this.waiters.splice(0)) resolve();
  }

  /** @internal The server ended the membership with token_expired: rejoin once a new token is sent. */
  expired(): void {
    this.state = 2;
  }

  /** @internal A presence or broadcast frame of this channel. */
  receive(frame: RealtimeServerFrame): void {
    if (!this.want) return; // a frame sent before the server had our leave
    if (frame.op === 'presence') {
      if (frame.event === 'state') {
        this.list = frame.members;
        this.me = frame.self;
        for (const [resolve] of this.waiters.splice(0)) resolve();
      } else {
        const others = this.list.filter((m) => m.key !== frame.member.key);
        this.list = frame.event === 'join' ? [...others, frame.member] : others;
      }
    }
    for (const listener of this.listeners) safe(() => listener(frame));
  }
}
