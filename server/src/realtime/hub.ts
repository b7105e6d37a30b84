import { orQueryError } from '../errors.ts';
import type { CollectionDefinition } from '@baas/protocol';
import { compile, schemaLookup } from '@baas/query';
import type { ProjectHandle } from '../db/registry.ts';
import { ChangeFeed, PAGE_SIZE, readChanges } from './change-feed.ts';
import { RealtimeError } from './errors.ts';
import type { Frame } from './outbox.ts';
import { ChangeJudge, type ChangeEvent, type Interest, type Viewer } from './judge.ts';
import { prunedThrough } from './retention.ts';
import { droppedThrough } from '../db/change-log.ts';

/**
 * A project's collections by name, as the collections service caches them
 * (handed in by services/realtime.ts: realtime imports no service).
 */
export type CatalogOf = (project: ProjectHandle) => Promise<ReadonlyMap<string, CollectionDefinition>>;

/** What the hub needs of a connection. */
export interface Subscriber {
  /** Who the connection is now: subscriptions are judged as it. */
  readonly viewer: Viewer;
  /**
   * Sends a serialized frame (or drops it when the connection is closing):
   * queued for the flush, or with `now` written at once unless frames are queued.
   */
  send(frame: Frame, now?: boolean): void;
  /** Resolves once the connection's send buffer is low enough to go on replaying. */
  drained(): Promise<void>;
  /** Whether judging must wait (see `defer`): asked first, so no closure is made per delivery that does not wait. */
  readonly deferring: boolean;
  /**
   * While the connection checks its identity again (a user changed), judging
   * waits: answers true and keeps `judge` to run once the new identity is
   * known; false = judge now.
   */
  defer(judge: () => void): boolean;
}

/** One live subscription of one connection. */
export interface Subscription {
  readonly id: string;
  readonly subscriber: Subscriber;
  readonly collection: string;
  readonly recordId?: string;
  readonly interest: Interest;
  /** The start of every change frame of this subscription: `{"op":"change","sub":"<id>"`. */
  readonly prefix: string;
  /** The seq of the last change judged for it: later deliveries of the same or older seq are duplicates. */
  lastSeq: number;
  /** While replaying `since`: the live changes that arrived meanwhile, sent after the backlog. */
  pending: ChangeEvent[] | null;
  closed: boolean;
}

/** What a client asks to subscribe to. */
export interface SubscribeRequest {
  id: string;
  collection: string;
  filter?: string;
  recordId?: string;
  since?: number;
}

/**
 * The change frames of one change, each built once whatever the number of
 * subscribers: the record serialized once per action, and each distinct
 * frame (a subscription id's prefix plus the action's suffix) encoded to
 * UTF-8 once and written as the same bytes to every socket it goes to
 * (subscriptions of many connections often share an id).
 */
class ChangeFrames {
  private readonly suffixes = new Map<string, string>();
  /** Per action: the encoded frame by subscription prefix. */
  private readonly frames = new Map<string, Map<string, Buffer>>();
  private recordJson: string | undefined;
  private previousJson: string | undefined;

  constructor(private readonly change: ChangeEvent) {}

  frame(prefix: string, action: string): Buffer {
    let byPrefix = this.frames.get(action);
    if (byPrefix === undefined) this.frames.set(action, (byPrefix = new Map()));
    let frame = byPrefix.get(prefix);
    if (frame === undefined) byPrefix.set(prefix, (frame = Buffer.from(prefix + this.suffix(action))));
    return frame;
  }

  private suffix(action: string): string {
    let suffix = this.suffixes.get(action);
    if (suffix === undefined) {
      const record = action === 'leave'
        ? (this.previousJson ??= JSON.stringify(this.change.previous))
        : (this.recordJson ??= JSON.stringify(this.change.record));
      suffix = `,"action":"${action}","record":${record},"seq":${this.change.seq}}`;
      this.suffixes.set(action, suffix);
    }
    return suffix;
  }
}

/**
 * The subscriptions of one project and the fan-out of its change log: each
 * change is read once, judged once per distinct (rule, filter, identity) and
 * serialized once per action, then written to every subscriber that sees it.
 */
export class ProjectHub {
  private readonly byCollection = new Map<string, Set<Subscription>>();
  private readonly feed: ChangeFeed;

  private constructor(
    private readonly project: ProjectHandle,
    private readonly catalogOf: CatalogOf,
    onError: (err: unknown) => void,
    private readonly onDelivered: (frames: number) => void,
    flush: () => void,
  ) {
    this.feed = new ChangeFeed(project.db, (change, alone) => this.deliver(change, alone), onError, flush);
  }

  /**
   * A hub following the project's log from its current end, judging changes
   * against `catalogOf(project)`; `onDelivered` counts the change frames it
   * sends; `flush` writes the frames queued for the sockets, and is called
   * once the changes of each read of the log are all delivered (so the
   * frames go out now, not a turn later behind other work).
   */
  static async open(
    project: ProjectHandle,
    catalogOf: CatalogOf,
    onError: (err: unknown) => void,
    onDelivered: (frames: number) => void = () => {},
    flush: () => void = () => {},
  ): Promise<ProjectHub> {
    const hub = new ProjectHub(project, catalogOf, onError, onDelivered, flush);
    await hub.feed.start();
    return hub;
  }

  /** The seq the feed delivered through (the change-log lag is the log's newest seq minus this). */
  get position(): number {
    return this.feed.position;
  }

  /** Reads the log now: the bus says it grew. */
  wake(): void {
    this.feed.wake();
  }

  close(): void {
    this.feed.stop();
  }

  /**
   * Checks and registers a subscription; throws RealtimeError for an unknown
   * collection, a locked rule, a bad filter or a `since` the log no longer
   * holds. Live delivery starts at registration, before any backlog is read:
   * with `since`, changes arriving meanwhile wait in `pending`, so the caller
   * must then call `replay`.
   */
  async subscribe(subscriber: Subscriber, request: SubscribeRequest): Promise<Subscription> {
    const catalog = await this.catalog();
    const def = catalog.get(request.collection);
    if (!def) throw new RealtimeError('collection_not_found', `no collection '${request.collection}'`);
    const interest: Interest = { rule: request.recordId === undefined ? 'list' : 'view' };
    if (!subscriber.viewer.privileged && (def.rules[interest.rule] === null || def.rules[interest.rule] === undefined)) {
      throw new RealtimeError('forbidden', `only the service role may ${interest.rule} records of '${def.name}'`);
    }
    if (request.filter !== undefined && request.filter.trim() !== '') {
      checkFilter(catalog, def, request.filter);
      interest.filter = request.filter;
    }
    const sub: Subscription = {
      id: request.id,
      subscriber,
      collection: def.name,
      recordId: request.recordId,
      interest,
      prefix: `{"op":"change","sub":${JSON.stringify(request.id)}`,
      lastSeq: request.since ?? this.feed.position,
      pending: request.since === undefined ? null : [],
      closed: false,
    };
    let subs = this.byCollection.get(def.name);
    if (!subs) this.byCollection.set(def.name, (subs = new Set()));
    subs.add(sub);
    if (request.since !== undefined) {
      // Checked after registering: a change pruned from now on is one the feed delivers live anyway.
      // The log holds every change after the later of retention's cut and the collection's last drop.
      const pruned = Math.max(await prunedThrough(this.project.db), await droppedThrough(this.project.db, def.name));
      if (request.since < pruned) {
        this.unsubscribe(sub);
        throw new RealtimeError('since_too_old', `the change log no longer holds every change after seq ${request.since}: refetch, then subscribe without since`, { oldestSince: pruned });
      }
    }
    return sub;
  }

  /**
   * Sends what a `since` subscription missed, oldest first, then the live
   * changes that arrived meanwhile, then goes live. Duplicates at the seam are
   * dropped by seq.
   */
  async replay(sub: Subscription): Promise<void> {
    let cursor = sub.lastSeq;
    for (;;) {
      const page = await readChanges(this.project.db, cursor, { collection: sub.collection, recordId: sub.recordId });
      for (const change of page) {
        if (sub.closed) return;
        await this.sendOne(sub, change);
        await sub.subscriber.drained();
      }
      if (page.length < PAGE_SIZE) break;
      cursor = page[page.length - 1].seq;
    }
    while (sub.pending?.length) {
      if (sub.closed) return;
      await this.sendOne(sub, sub.pending.shift()!);
    }
    sub.pending = null;
  }

  unsubscribe(sub: Subscription): void {
    sub.closed = true;
    this.byCollection.get(sub.collection)?.delete(sub);
  }

  /**
   * The feed's delivery of one live change to every subscription of its
   * collection. `alone`: the only change of its read of the log, so no other
   * frame will share a socket's write with it: each frame is written at once
   * (the first subscribers hear it before the last is judged); else the
   * frames are queued and the flush after the read writes each socket's as one.
   */
  private async deliver(change: ChangeEvent, alone: boolean): Promise<void> {
    const subs = this.byCollection.get(change.collection);
    if (!subs?.size) return;
    const judge = await ChangeJudge.prepare(this.project.db, await this.catalog(), change);
    const frames = new ChangeFrames(change);
    let sent = 0;
    for (const sub of subs) {
      if (sub.pending) sub.pending.push(change);
      else if (judged(sub, change, judge, frames, alone)) sent++;
    }
    if (sent) this.onDelivered(sent);
  }

  private async sendOne(sub: Subscription, change: ChangeEvent): Promise<void> {
    if (change.seq <= sub.lastSeq) return;
    const judge = await ChangeJudge.prepare(this.project.db, await this.catalog(), change);
    if (judged(sub, change, judge, new ChangeFrames(change))) this.onDelivered(1);
  }

  private catalog(): Promise<ReadonlyMap<string, CollectionDefinition>> {
    return this.catalogOf(this.project);
  }
}

/**
 * A filter must bind against the collection, and may not follow relations:
 * judging it in memory would need the related records' view rules as each
 * subscriber, and a filter must never probe what those rules hide.
 */
function checkFilter(catalog: ReadonlyMap<string, CollectionDefinition>, def: CollectionDefinition, filter: string): void {
  // A filter that does not bind is an ApiError, which the connection sends as the same error frame.
  if (orQueryError('invalid_filter', 'filter', () => compile(schemaLookup(catalog), def.name, filter)).readsRelations) {
    throw new RealtimeError('invalid_filter', 'realtime filters cannot follow relations; filter on the record\'s own fields');
  }
}

/** Judges a change for a subscription now, or once its connection knows who it is again (see Subscriber.defer). */
function judged(sub: Subscription, change: ChangeEvent, judge: ChangeJudge, frames: ChangeFrames, now = false): boolean {
  // A deferred judgment counts as no delivery now (the metrics undercount it, never the client).
  if (sub.subscriber.deferring && sub.subscriber.defer(() => send(sub, change, judge, frames))) return false;
  return send(sub, change, judge, frames, now);
}

/**
 * One change as one subscription sees it. An update is judged on the record
 * before and after: both visible = update, only after = enter, only before =
 * leave (with the record as it was). A delete goes to those who saw the old record.
 * Answers whether a frame was sent.
 */
function send(sub: Subscription, change: ChangeEvent, judge: ChangeJudge, frames: ChangeFrames, now = false): boolean {
  if (sub.closed || change.seq <= sub.lastSeq) return false;
  sub.lastSeq = change.seq;
  if (sub.recordId !== undefined && change.record.id !== sub.recordId) return false;
  const viewer = sub.subscriber.viewer;
  let action: string | undefined;
  if (change.action !== 'update') {
    if (judge.sees(viewer, sub.interest, 'record')) action = change.action;
  } else {
    const now = judge.sees(viewer, sub.interest, 'record');
    const before = change.previous ? judge.sees(viewer, sub.interest, 'previous') : now;
    action = now ? (before ? 'update' : 'enter') : before ? 'leave' : undefined;
  }
  if (!action) return false;
  sub.subscriber.send(frames.frame(sub.prefix, action), now);
  return true;
}
