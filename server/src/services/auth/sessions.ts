import { sql } from 'drizzle-orm';
import type { AuthSessionInfo, SessionReply } from '@baas/protocol';
import type { Database } from '../../db/database.ts';
import type { ProjectHandle } from '../../db/registry.ts';
import { ApiError } from '../../errors.ts';
import { hashSecret, randomToken } from '../../crypto.ts';
import { newId, nowIso } from '../../ids.ts';
import { publishIdentityEvent } from '../../db/identity-events.ts';
import { getAuthSettings } from './settings.ts';
import { signAccessToken, verifyAccessToken } from './tokens.ts';
import { decodeUser, publicUser, type UserRow } from './users.ts';

/** Where a sign-in came from, kept with the session so the user can recognize it in their list. */
export interface SessionMeta {
  /** password, anonymous, magic_link, oauth:<provider>, ... */
  method: string;
  userAgent?: string;
  ip?: string;
}

/** A refresh token: opaque, 256 random bits, recognizable by its prefix. */
function newRefreshToken(): string {
  return randomToken('rt_');
}

async function tokensFor(db: Database, project: ProjectHandle, user: UserRow, sessionId: string, refreshToken: string): Promise<SessionReply> {
  const settings = await getAuthSettings(db);
  const { token, exp } = await signAccessToken(db, project, { sub: user.id, sid: sessionId, role: user.role, anon: user.anonymous }, settings.accessTokenTtl);
  return { user: publicUser(user), session: { accessToken: token, refreshToken, expiresAt: new Date(exp * 1000).toISOString() } };
}

/**
 * Starts a session for a user who has proved who they are (password, email
 * link, OAuth...): stores the session and its first refresh token (hashed),
 * sets last_sign_in_at, and answers the session reply. 403 for a disabled user.
 */
export async function issueSession(db: Database, project: ProjectHandle, user: UserRow, meta: SessionMeta): Promise<SessionReply> {
  if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
  const settings = await getAuthSettings(db);
  const now = nowIso();
  const sessionId = newId();
  const refreshToken = newRefreshToken();
  const expiresAt = new Date(Date.now() + settings.refreshTokenTtl * 1000).toISOString();
  await db.transaction(async (tx) => {
    await tx.run(sql`INSERT INTO ${tx.table('_sessions')} (id, user_id, method, user_agent, ip, created_at, last_used_at, expires_at)
      VALUES (${sessionId}, ${user.id}, ${meta.method}, ${meta.userAgent?.slice(0, 512) ?? null}, ${meta.ip ?? null}, ${now}, ${now}, ${expiresAt})`);
    await tx.run(sql`INSERT INTO ${tx.table('_refresh_tokens')} (hash, session_id, created_at, used_at)
      VALUES (${hashSecret(refreshToken)}, ${sessionId}, ${now}, ${null})`);
    await tx.run(sql`UPDATE ${tx.table('_users')} SET last_sign_in_at = ${now} WHERE id = ${user.id}`);
  });
  return tokensFor(db, project, { ...user, lastSignInAt: now }, sessionId, refreshToken);
}

type RefreshOutcome = { ok: true; user: UserRow; sessionId: string; refreshToken: string } | { ok: false; error: ApiError };

/**
 * Exchanges a refresh token for a new pair. The token is spent atomically
 * (`UPDATE ... WHERE used_at IS NULL`), so of two concurrent refreshes one
 * wins and the other is a reuse. A reused token means it leaked (or a client
 * raced itself): the whole session is deleted, which also kills the access
 * tokens of the thief. 401 `invalid_token` in every failing case.
 */
export async function refreshSession(db: Database, project: ProjectHandle, refreshToken: string): Promise<SessionReply> {
  const hash = hashSecret(refreshToken);
  const now = nowIso();
  // The transaction answers the outcome instead of throwing: a revocation must commit, not roll back with the error.
  const outcome = await db.transaction(async (tx): Promise<RefreshOutcome> => {
    const spent = await tx.run(sql`UPDATE ${tx.table('_refresh_tokens')} SET used_at = ${now} WHERE hash = ${hash} AND used_at IS NULL`);
    if (spent.changes === 0) {
      const reused = await tx.get<{ session_id: string }>(sql`SELECT session_id FROM ${tx.table('_refresh_tokens')} WHERE hash = ${hash}`);
      if (!reused) return { ok: false, error: new ApiError('invalid_token', 'the refresh token is unknown or its session has ended') };
      await deleteSessions(tx, sql`id = ${reused.session_id}`);
      return { ok: false, error: new ApiError('invalid_token', 'the refresh token was already used: the session was revoked; sign in again', { reason: 'refresh_token_reused' }) };
    }
    const row = await tx.get(sql`SELECT u.*, s.id AS session_id, s.expires_at AS session_expires_at
      FROM ${tx.table('_refresh_tokens')} r JOIN ${tx.table('_sessions')} s ON s.id = r.session_id JOIN ${tx.table('_users')} u ON u.id = s.user_id
      WHERE r.hash = ${hash}`);
    if (!row) return { ok: false, error: new ApiError('invalid_token', 'the refresh token is unknown or its session has ended') };
    const sessionId = row.session_id as string;
    const user = decodeUser(row);
    if (String(row.session_expires_at) <= now || user.disabled) {
      await deleteSessions(tx, sql`id = ${sessionId}`);
      return { ok: false, error: new ApiError('invalid_token', user.disabled ? 'this account is disabled' : 'the session has expired; sign in again') };
    }
    const next = newRefreshToken();
    await tx.run(sql`INSERT INTO ${tx.table('_refresh_tokens')} (hash, session_id, created_at, used_at) VALUES (${hashSecret(next)}, ${sessionId}, ${now}, ${null})`);
    await tx.run(sql`UPDATE ${tx.table('_sessions')} SET last_used_at = ${now} WHERE id = ${sessionId}`);
    return { ok: true, user, sessionId, refreshToken: next };
  });
  if (!outcome.ok) throw outcome.error;
  return tokensFor(db, project, outcome.user, outcome.sessionId, outcome.refreshToken);
}

/**
 * The one way a session ends: its refresh tokens and the session go, and each
 * ended session is published when that commits (realtime connections
 * authenticated with it lose that identity at once).
 */
async function deleteSessions(db: Database, where: ReturnType<typeof sql>): Promise<number> {
  // Refresh tokens first and explicitly: a session must not leave spendable tokens behind, whatever the store's pragmas.
  await db.run(sql`DELETE FROM ${db.table('_refresh_tokens')} WHERE session_id IN (SELECT id FROM ${db.table('_sessions')} WHERE ${where})`);
  const ended = await db.all<{ id: string; user_id: string }>(sql`DELETE FROM ${db.table('_sessions')} WHERE ${where} RETURNING id, user_id`);
  for (const row of ended) await publishIdentityEvent(db, { kind: 'session_ended', userId: row.user_id, sessionId: row.id });
  return ended.length;
}

/** Ends every session of a user (all but `exceptSessionId` when given); answers how many ended. */
export async function revokeUserSessions(db: Database, userId: string, exceptSessionId?: string): Promise<number> {
  const where = exceptSessionId === undefined ? sql`user_id = ${userId}` : sql`user_id = ${userId} AND id <> ${exceptSessionId}`;
  return db.transaction((tx) => deleteSessions(tx, where));
}

/** Ends one session of a user; false when the user has no such session. */
export async function revokeSession(db: Database, userId: string, sessionId: string): Promise<boolean> {
  return (await db.transaction((tx) => deleteSessions(tx, sql`id = ${sessionId} AND user_id = ${userId}`))) > 0;
}

/** The live sessions of a user, newest first, marking the caller's own. */
export async function listSessions(db: Database, userId: string, currentSessionId?: string): Promise<AuthSessionInfo[]> {
  const rows = await db.all<Record<string, string | null>>(sql`SELECT id, method, user_agent, ip, created_at, last_used_at, expires_at
    FROM ${db.table('_sessions')} WHERE user_id = ${userId} AND expires_at > ${nowIso()} ORDER BY created_at DESC, id DESC`);
  return rows.map((r) => ({
    id: r.id!,
    method: r.method!,
    userAgent: r.user_agent,
    ip: r.ip,
    createdAt: r.created_at!,
    lastUsedAt: r.last_used_at!,
    expiresAt: r.expires_at!,
    current: r.id === currentSessionId,
  }));
}

/**
 * The user behind an access token: the JWT checks, then one indexed query
 * that the session still exists (not logged out, revoked or reused) and the
 * user is not disabled. So revocation works at once, not at token expiry.
 * `expiresAt` (ms since the epoch): the earlier of the token's and the
 * session's expiry, the longest this answer may be kept (session-cache.ts).
 */
export async function authenticateAccessToken(
  db: Database,
  project: ProjectHandle,
  token: string,
): Promise<{ user: UserRow; sessionId: string; expiresAt: number }> {
  const { userId, sessionId, expiresAt } = await verifyAccessToken(db, project, token);
  const row = await db.get(sql`SELECT u.*, s.expires_at AS session_expires_at FROM ${db.table('_sessions')} s JOIN ${db.table('_users')} u ON u.id = s.user_id
    WHERE s.id = ${sessionId} AND s.user_id = ${userId} AND s.expires_at > ${nowIso()}`);
  if (!row) throw new ApiError('invalid_token', 'the session of this access token has ended (logged out or revoked)');
  const user = decodeUser(row);
  if (user.disabled) throw new ApiError('invalid_token', 'this account is disabled');
  return { user, sessionId, expiresAt: Math.min(expiresAt, Date.parse(String(row.session_expires_at))) };
}
