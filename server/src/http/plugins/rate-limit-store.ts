import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateCounters } from '../../services/rate-counters.ts';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

// Expired counters are deleted this often (a counter lives one window: a minute).
const SWEEP_MS = 60_000;

/**
 * A store for @fastify/rate-limit that counts in the instance database, so
 * every process behind a balancer shares one count per key: the limits of
 * several processes are those of one. One upsert per limited request (these
 * are sign-in, sign-up, refresh and email endpoints, never record traffic).
 *
 * Why the database and not Redis: an instance on PostgreSQL already has it,
 * every process already talks to it, and an abuse limit must hold exactly
 * when the database does (a login without the database fails anyway) — one
 * dependency fewer to run, secure and monitor. Redis would be faster per
 * request, but these endpoints are slow by design (password hashing).
 *
 * Counts live in services/rate-counters.ts (keys hashed). Fixed windows as in the
 * plugin's own memory store; clocks of processes may differ by a little,
 * which moves a window's end by that much.
 */
export function databaseStore(counters: RateCounters): FastifyRateLimitStoreCtor {
  let sweeper: NodeJS.Timeout | undefined;
  class DatabaseStore implements FastifyRateLimitStore {
    constructor(private readonly prefix: unknown = '') {
      sweeper ??= setInterval(() => void counters.sweep().catch(() => {}), SWEEP_MS);
      sweeper.unref();
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      counters.hit(`${typeof this.prefix === 'string' ? this.prefix : ''}\n${key}`, timeWindow).then(
        (count) => callback(null, count),
        (err: Error) => callback(err),
      );
    }

    /** A route's own counts: the same table, keys prefixed by the route (the plugin passes its params with `routeInfo`). */
    child(routeOptions: object): DatabaseStore {
      const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      return new DatabaseStore(`${route?.method ?? ''} ${route?.url ?? ''}`);
    }
  }
  return DatabaseStore as unknown as FastifyRateLimitStoreCtor;
}
