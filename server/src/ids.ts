import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid's default draws one crypto.getRandomValues call per character; a
// pooled buffer of CSPRNG bytes gives the same randomness for a fraction of
// the cost. A byte / 256 maps evenly onto ulid's 32 symbols (256 = 8 x 32).
let pool = randomBytes(4096);
let offset = 0;
function pooledRandom(): number {
  if (offset === pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  return pool[offset++] / 256;
}

const next = monotonicFactory(pooledRandom);

/** Project ids: lowercase, URL- and schema-safe (a PostgreSQL schema name, a folder), at most 40 characters. The one pattern: routes' schemas use its source. */
export const projectIdPattern = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * A new record id: a lowercase ULID. 26 URL-safe chars, time-ordered (new rows
 * land at the end of the primary-key index) and 80 random bits per millisecond.
 */
export function newId(): string {
  return next().toLowerCase();
}

/** The current time as stored: ISO-8601 UTC with milliseconds. */
export function nowIso(): string {
  return new Date().toISOString();
}
