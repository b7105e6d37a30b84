import { randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { ApiError } from '../../errors.ts';
import { hashSecret, randomToken } from '../../crypto.ts';
import { newId, nowIso } from '../../ids.ts';
import type { EmailKind } from '../../mail/templates.ts';
import { normalizeEmail } from './users.ts';

/** Wrong codes a magic link accepts before its code is locked (the link itself still works). */
export const MAX_CODE_ATTEMPTS = 5;

/** A stored single-use token (never the token or code itself: only their hashes are kept). */
export interface EmailTokenRow {
  id: string;
  kind: EmailKind;
  userId: string | null;
  /** The address the mail went to: the user's, or the new one of an email change. */
  email: string | null;
  redirectTo: string | null;
  attempts: number;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** What the mail carries: the secrets exist only here, in memory, and in the message. */
export interface IssuedEmailToken {
  id: string;
  token: string;
  /** Six digits, for magic links. */
  code?: string;
  expiresAt: string;
}

/** Proof of a token: the link's token, or (magic links) the address and the short code. */
export type EmailTokenProof = { token: string } | { email: string; code: string };

/**
 * Stores a new token of `kind` and invalidates the older ones of that kind
 * for the same user (or, without a user, the same address), so only the
 * latest mail works. Expired tokens of the project are swept on the way.
 */
export async function issueEmailToken(
  db: Database,
  input: { kind: EmailKind; userId: string | null; email: string; ttl: number; redirectTo?: string | null; withCode?: boolean },
): Promise<IssuedEmailToken> {
  const id = newId();
  const token = randomToken('', 32);
  // randomInt is uniform (no modulo bias); the code is hashed with the row id so equal codes hash apart.
  const code = input.withCode ? String(randomInt(0, 1_000_000)).padStart(6, '0') : undefined;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + input.ttl * 1000).toISOString();
  await db.transaction(async (tx) => {
    const t = tx.table('_auth_tokens');
    await tx.run(sql`DELETE FROM ${t} WHERE expires_at < ${now.toISOString()}`);
    await tx.run(input.userId
      ? sql`DELETE FROM ${t} WHERE kind = ${input.kind} AND (user_id = ${input.userId} OR (user_id IS NULL AND email = ${input.email}))`
      : sql`DELETE FROM ${t} WHERE kind = ${input.kind} AND user_id IS NULL AND email = ${input.email}`);
    await tx.run(sql`INSERT INTO ${t} (id, kind, user_id, email, token_hash, code_hash, redirect_to, attempts, created_at, expires_at)
      VALUES (${id}, ${input.kind}, ${input.userId}, ${input.email}, ${hashSecret(token)}, ${code ? codeHash(id, code) : null},
              ${input.redirectTo ?? null}, 0, ${now.toISOString()}, ${expiresAt})`);
  });
  return { id, token, code, expiresAt };
}

/**
 * Checks a proof of `kind` and, in one transaction, marks the token used and
 * runs `apply` (which makes the change the token allows). If `apply` throws,
 * the token stays unused. A used, expired, unknown or locked proof is
 * `400 invalid_email_token`; two concurrent uses cannot both succeed, because
 * only one conditional UPDATE can flip `used_at`.
 */
export async function consumeEmailToken<T>(
  db: Database,
  kind: EmailKind,
  proof: EmailTokenProof,
  apply: (tx: Database, row: EmailTokenRow) => Promise<T>,
): Promise<T> {
  const row = 'token' in proof ? await findByToken(db, kind, proof.token) : await findByCode(db, kind, proof.email, proof.code);
  return db.transaction(async (tx) => {
    const { changes } = await tx.run(sql`UPDATE ${tx.table('_auth_tokens')} SET used_at = ${nowIso()} WHERE id = ${row.id} AND used_at IS NULL`);
    if (changes !== 1) throw invalid('this link has already been used');
    return apply(tx, row);
  });
}

async function findByToken(db: Database, kind: EmailKind, token: string): Promise<EmailTokenRow> {
  // A lookup by hash: the secret is never compared, so there is nothing to time.
  const row = await db.get<RawRow>(sql`SELECT ${columns} FROM ${db.table('_auth_tokens')} WHERE token_hash = ${hashSecret(token)}`);
  return usable(row && toRow(row), kind);
}

/**
 * The latest unused magic-link code of an address. Each try counts first, in
 * its own statement (so a failed try is not rolled back and parallel guesses
 * cannot exceed the limit), then the code is compared in constant time.
 */
async function findByCode(db: Database, kind: EmailKind, email: string, code: string): Promise<EmailTokenRow> {
  const t = db.table('_auth_tokens');
  const raw = await db.get<RawRow & { code_hash: string }>(sql`SELECT ${columns}, code_hash FROM ${t}
    WHERE kind = ${kind} AND email = ${normalizeEmail(email)} AND code_hash IS NOT NULL AND used_at IS NULL
    ORDER BY created_at DESC, id DESC LIMIT 1`);
  const row = usable(raw && toRow(raw), kind);
  const { changes } = await db.run(sql`UPDATE ${t} SET attempts = attempts + 1 WHERE id = ${row.id} AND used_at IS NULL AND attempts < ${MAX_CODE_ATTEMPTS}`);
  if (changes !== 1) throw invalid('too many wrong codes: use the link, or ask for a new code', 'locked');
  const expected = Buffer.from(raw!.code_hash, 'hex');
  const actual = Buffer.from(codeHash(row.id, code), 'hex');
  if (!timingSafeEqual(actual, expected)) throw invalid('the code is not valid');
  return row;
}

function usable(row: EmailTokenRow | undefined, kind: EmailKind): EmailTokenRow {
  // A token of another kind is as unknown as no token: a reset link must not verify an email change.
  if (!row || row.kind !== kind) throw invalid('the link or code is not valid');
  if (row.usedAt) throw invalid('this link has already been used');
  if (row.expiresAt <= nowIso()) throw invalid('this link has expired: ask for a new one', 'expired');
  return row;
}

function invalid(message: string, reason?: 'expired' | 'locked'): ApiError {
  return new ApiError('invalid_email_token', message, reason ? { reason } : undefined);
}

function codeHash(id: string, code: string): string {
  return hashSecret(`${id}:${code}`);
}

interface RawRow {
  id: string;
  kind: string;
  user_id: string | null;
  email: string | null;
  redirect_to: string | null;
  attempts: number | string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

const columns = sql.raw('id, kind, user_id, email, redirect_to, attempts, created_at, expires_at, used_at');

function toRow(r: RawRow): EmailTokenRow {
  return {
    id: r.id,
    kind: r.kind as EmailKind,
    userId: r.user_id,
    email: r.email,
    redirectTo: r.redirect_to,
    // PostgreSQL returns bigint as a string.
    attempts: Number(r.attempts),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
  };
}
