import type { AuthSessionInfo, AuthUser, SessionReply } from '@baas/protocol';
import type { ServiceContext } from '../context.ts';
import { ApiError } from '../../errors.ts';
import { dummyPasswordHash, verifyPassword } from '../../crypto.ts';
import { issueSession, listSessions, refreshSession, revokeSession, revokeUserSessions, type SessionMeta } from './sessions.ts';
import { createUser, findUserByEmail, getUser, publicUser, updateUser, type UserPatch } from './users.ts';

/**
 * The password check that login uses. An object rather than a direct call so
 * a test can observe that both the unknown-email and the wrong-password path
 * pay for a full scrypt (the timing guarantee), without wall-clock thresholds.
 */
export const passwordCheck = { verify: verifyPassword };

/** Signs up with email and password: a new, unverified user and a first session. 409 when the email is taken. */
export async function signUp(
  ctx: ServiceContext,
  input: { email: string; password: string; data?: Record<string, unknown> },
  meta: Omit<SessionMeta, 'method'>,
): Promise<SessionReply> {
  const user = await createUser(ctx.db, { email: input.email, password: input.password, data: input.data });
  return issueSession(ctx.db, ctx.project, user, { ...meta, method: 'password' });
}

/**
 * Logs in with email and password. An unknown email, an account without a
 * password and a wrong password all answer the same 401 after the same work
 * (a scrypt against a dummy hash), so neither the answer nor its timing tells
 * whether the email is registered. A disabled account is refused only after
 * the right password.
 */
export async function logIn(
  ctx: ServiceContext,
  input: { email: string; password: string },
  meta: Omit<SessionMeta, 'method'>,
): Promise<SessionReply> {
  const user = await findUserByEmail(ctx.db, input.email);
  const hash = user?.passwordHash ?? (await dummyPasswordHash);
  const ok = await passwordCheck.verify(input.password, hash);
  if (!user || !user.passwordHash || !ok) throw new ApiError('invalid_credentials', 'the email or the password is wrong');
  return issueSession(ctx.db, ctx.project, user, { ...meta, method: 'password' });
}

/** Signs in a new anonymous user (no email, no password); they may upgrade to an email account later. */
export async function signInAnonymously(
  ctx: ServiceContext,
  input: { data?: Record<string, unknown> },
  meta: Omit<SessionMeta, 'method'>,
): Promise<SessionReply> {
  const user = await createUser(ctx.db, { anonymous: true, data: input.data });
  return issueSession(ctx.db, ctx.project, user, { ...meta, method: 'anonymous' });
}

/** Trades a refresh token for a new pair (the old one is spent; reusing it revokes the session). */
export async function refreshTokens(ctx: ServiceContext, refreshToken: string): Promise<SessionReply> {
  return refreshSession(ctx.db, ctx.project, refreshToken);
}

/** Ends the caller's current session. */
export async function logOut(ctx: ServiceContext, userId: string, sessionId: string): Promise<void> {
  await revokeSession(ctx.db, userId, sessionId);
}

/** The signed-in user as stored now; 401 `invalid_token` when the account is gone. */
export async function ownUser(ctx: ServiceContext, userId: string): Promise<AuthUser> {
  const user = await getUser(ctx.db, userId);
  if (!user) throw new ApiError('invalid_token', 'the user of this session no longer exists');
  return publicUser(user);
}

/** The user's own sessions, the current one marked. */
export async function ownSessions(ctx: ServiceContext, userId: string, currentSessionId: string): Promise<AuthSessionInfo[]> {
  return listSessions(ctx.db, userId, currentSessionId);
}

/** Ends one of the user's own sessions; 404 `session_not_found` for anyone else's. */
export async function endOwnSession(ctx: ServiceContext, userId: string, sessionId: string): Promise<void> {
  if (!(await revokeSession(ctx.db, userId, sessionId))) throw new ApiError('session_not_found', `no session '${sessionId}'`);
}

/** What a user may change about themselves through PATCH /auth/user. */
export interface SelfPatch {
  data?: Record<string, unknown>;
  email?: string;
  password?: string;
  currentPassword?: string;
}

/**
 * A user changes their own account:
 * - `data`: the profile;
 * - `password`: needs `currentPassword` when the account has one; ends every
 *   other session (a stolen session must not survive the change);
 * - `email` + `password` on an anonymous user: the upgrade to a regular,
 *   unverified account with the same id, so what they own stays theirs.
 * Changing the email of a regular account goes through a confirmation email
 * (/auth/email-change), not through this call.
 */
export async function updateSelf(ctx: ServiceContext, userId: string, sessionId: string, patch: SelfPatch): Promise<AuthUser> {
  const db = ctx.db;
  const user = await getUser(db, userId);
  if (!user) throw new ApiError('invalid_token', 'the user of this session no longer exists');
  const change: UserPatch = {};
  if (patch.data !== undefined) change.data = patch.data;
  if (patch.email !== undefined) {
    if (!user.anonymous) {
      throw new ApiError('validation_failed', 'change the email through /auth/email-change, which confirms the new address', {
        fields: { email: { code: 'use_email_change', message: 'use /auth/email-change' } },
      });
    }
    if (patch.password === undefined) {
      throw new ApiError('validation_failed', 'an anonymous account upgrades with both an email and a password', {
        fields: { password: { code: 'required', message: 'is required with email' } },
      });
    }
    Object.assign(change, { email: patch.email, anonymous: false, verified: false });
  }
  if (patch.password !== undefined && user.anonymous && patch.email === undefined) {
    throw new ApiError('validation_failed', 'an anonymous account sets a password together with an email (the upgrade)', {
      fields: { email: { code: 'required', message: 'is required with password on an anonymous account' } },
    });
  }
  if (patch.password !== undefined) {
    if (user.passwordHash) {
      if (patch.currentPassword === undefined) {
        throw new ApiError('validation_failed', 'changing the password needs the current password', {
          fields: { currentPassword: { code: 'required', message: 'is required to change the password' } },
        });
      }
      if (!(await passwordCheck.verify(patch.currentPassword, user.passwordHash))) {
        throw new ApiError('invalid_credentials', 'the current password is wrong');
      }
    }
    change.password = patch.password;
  }
  const updated = await updateUser(db, userId, change);
  if (patch.password !== undefined) await revokeUserSessions(db, userId, sessionId);
  return publicUser(updated);
}
