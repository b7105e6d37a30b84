import type { AuthInfo } from '@baas/query';
import type { StoreFactory } from '../../db/instance.ts';
import type { ProjectHandle, ProjectRegistry } from '../../db/registry.ts';
import { subscribeIdentityEvents, type IdentityEvent } from '../../db/identity-events.ts';

/** What an access token resolved to: the user as rules see them, and the token's session. */
export interface SessionIdentity {
  user: AuthInfo;
  sessionId: string;
}

interface Entry extends SessionIdentity {
  /** The handle it was read through: a project deleted and created again under the same id is another project. */
  project: ProjectHandle;
  /** ms since the epoch: the earliest of the token's exp, the session's expiry and the safety TTL. */
  expiresAt: number;
  /** The cache's `stamp` when this entry last moved to the recent end. */
  stamp: number;
}

/** Most tokens kept; the least recently used goes first (about 1 KB each with the token text). */
export const SESSION_CACHE_SIZE = 10_000;

/**
 * Access tokens already checked against their session and user, so a signed-in
 * request does not read `_sessions` and `_users` again (issue 18: the price of
 * signing in). Per instance, in memory, LRU-bounded.
 *
 * Revocation stays immediate because every change that could alter an
 * answer publishes an identity event (db/identity-events.ts) and this
 * cache drops what the event names:
 * - on the committing process, synchronously at commit (the stores' commit
 *   feed, db/bus.ts), before the revoking request's reply is sent;
 * - on every other process when the bus delivers it (PostgreSQL NOTIFY:
 *   typically milliseconds);
 * - everything, when the bus may have lost messages (it reconnected);
 * - and every entry lives at most `ttlMs` (the instance's `stateCheckMs`),
 *   the bound for a lost message the bus did not notice, as for every other
 *   cached state (docs/deployment.md).
 *
 * A read racing an invalidation must not store what it read before the
 * change: `generation` counts invalidations, a reader takes it before its
 * query (`begin()`) and stores only if no invalidation happened meanwhile.
 */
export class SessionCache {
  /**
   * By token text alone, no `<project> <token>` key to build per request: a
   * token names its project (its audience), and an entry only answers for
   * the handle it was read through. Map order is the LRU order.
   */
  private readonly entries = new Map<string, Entry>();
  /** `<project> <user id>` -> tokens of that user's entries, so an event finds them without a scan. */
  private readonly byUser = new Map<string, Set<string>>();
  private generation = 0;
  /** Counts moves to the recent end (sets and refreshes). */
  private stamp = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = SESSION_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The identity of a token of `project`, if cached and still valid. */
  get(project: ProjectHandle, token: string): SessionIdentity | undefined {
    const entry = this.entries.get(token);
    if (!entry || entry.project !== project) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.remove(token, entry);
      return undefined;
    }
    // Most recently used last (Map order), but moved only once it is in the older half: a hot
    // token is not re-inserted on every request, and is never near eviction either.
    if (this.stamp - entry.stamp > this.maxEntries / 2) {
      entry.stamp = ++this.stamp;
      this.entries.delete(token);
      this.entries.set(token, entry);
    }
    return entry;
  }

  /** Taken before reading the session: `set` stores only if nothing was invalidated since. */
  begin(): number {
    return this.generation;
  }

  /** Stores what a read begun at `generation` found, valid until `expiresAt` at the latest (ms since the epoch). */
  set(generation: number, project: ProjectHandle, token: string, identity: SessionIdentity, expiresAt: number): void {
    if (generation !== this.generation) return;
    const old = this.entries.get(token);
    if (old) this.remove(token, old);
    const entry: Entry = { ...identity, project, expiresAt: Math.min(expiresAt, Date.now() + this.ttlMs), stamp: ++this.stamp };
    this.entries.set(token, entry);
    const userKey = `${project.id} ${identity.user.id}`;
    let keys = this.byUser.get(userKey);
    if (!keys) this.byUser.set(userKey, (keys = new Set()));
    keys.add(token);
    while (this.entries.size > this.maxEntries) {
      const [lruKey, lru] = this.entries.entries().next().value!;
      this.remove(lruKey, lru);
    }
  }

  /** Drops what an identity event makes stale; `undefined` (messages may have been lost): everything. */
  invalidate(event: IdentityEvent | undefined): void {
    if (event === undefined) return this.clear();
    if (event.kind !== 'session_ended' && event.kind !== 'user_removed' && event.kind !== 'user_changed') return;
    this.generation++;
    const userKey = `${event.project} ${event.userId}`;
    for (const key of [...(this.byUser.get(userKey) ?? [])]) {
      const entry = this.entries.get(key)!;
      if (event.kind !== 'session_ended' || entry.sessionId === event.sessionId) this.remove(key, entry);
    }
  }

  /** Drops a project's entries (deleted, or gone on another process). */
  dropProject(id: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.project.id === id) this.remove(key, entry);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.byUser.clear();
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    const userKey = `${entry.project.id} ${entry.user.id}`;
    const keys = this.byUser.get(userKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(userKey);
  }
}

/**
 * Keeps `cache` current for an instance: identity events from its own
 * commits (synchronously) and from the bus (other processes; a reset drops
 * everything), and projects that are gone. Answers the unsubscribe function.
 */
export function watchSessions(cache: SessionCache, stores: StoreFactory, registry: ProjectRegistry): () => void {
  const invalidate = (event: IdentityEvent | undefined) => cache.invalidate(event);
  const stops = [
    subscribeIdentityEvents(stores.committed, invalidate),
    subscribeIdentityEvents(stores.bus, invalidate),
    registry.onGone((id) => cache.dropProject(id)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
