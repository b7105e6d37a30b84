import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/**
 * A new record id: a lowercase ULID. 26 URL-safe chars, time-ordered (new rows
 * land at the end of the primary-key index) and 80 random bits per millisecond.
 */
export function newId(): string {
  return next().toLowerCase();
}

/** What a client-supplied id must look like (offline creation). */
export const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The current time as stored: ISO-8601 UTC with milliseconds. */
export function nowIso(): string {
  return new Date().toISOString();
}
