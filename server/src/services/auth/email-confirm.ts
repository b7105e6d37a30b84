import type { SessionReply } from '@baas/protocol';
import { ApiError } from '../../errors.ts';
import { consumeEmailToken, type EmailTokenProof, type EmailTokenRow } from './email-tokens.ts';
import { issueSession, revokeUserSessions, type SessionMeta } from './sessions.ts';
import { proveAddress } from './address-proof.ts';
import { checkPassword, createUser, findUserByEmail, getUser, updateUser, type UserRow } from './users.ts';
import { getAuthSettings } from './settings.ts';
import type { Database } from '../../db/database.ts';
import type { ServiceContext } from '../context.ts';

/**
 * The user a token was issued to, still with the address the mail went to.
 * A token mailed to an address the account no longer has proves nothing.
 */
async function ownerOf(tx: Database, row: EmailTokenRow): Promise<UserRow> {
  const user = row.userId ? await getUser(tx, row.userId) : undefined;
  if (!user || user.email !== row.email) throw new ApiError('invalid_email_token', 'the link is no longer valid for this account');
  if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
  return user;
}

/**
 * Marks the address of the token's user verified; answers the user.
 * `holder` is the user of a session sent with the confirmation: without one
 * of this account, the password set before the address was proved is
 * removed and its sessions end (see proveAddress).
 */
export async function confirmEmailVerification(ctx: ServiceContext, token: string, holder?: string): Promise<UserRow> {
  return consumeEmailToken(ctx.db, 'verify_email', { token }, async (tx, row) => proveAddress(tx, await ownerOf(tx, row), { holder }));
}

/**
 * Sets a new password (the policy applies, before the token is spent) and
 * ends every session of the user: whoever knew the old password is out. The
 * address is verified too, since the mail reached it.
 */
export async function confirmPasswordReset(ctx: ServiceContext, token: string, password: string): Promise<UserRow> {
  const settings = await getAuthSettings(ctx.db);
  checkPassword(settings, password);
  return consumeEmailToken(ctx.db, 'password_reset', { token }, async (tx, row) => {
    const user = await ownerOf(tx, row);
    const updated = await updateUser(tx, user.id, { password, verified: true });
    await revokeUserSessions(tx, user.id);
    return updated;
  });
}

/**
 * Signs in with a magic link's token or its address and code. The first use
 * by an address without an account creates the account (verified, no
 * password); a user's address is marked verified, and an unverified
 * account's password and sessions end (see proveAddress): the clicker owns
 * the address, not necessarily the password.
 */
export async function verifyMagicLink(ctx: ServiceContext, proof: EmailTokenProof, meta: Omit<SessionMeta, 'method'>): Promise<SessionReply> {
  const user = await consumeEmailToken(ctx.db, 'magic_link', proof, async (tx, row) => {
    const user = row.userId ? await ownerOf(tx, row) : await findUserByEmail(tx, row.email!);
    if (!user) return createUser(tx, { email: row.email, verified: true });
    if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
    return user.verified ? user : proveAddress(tx, user);
  });
  // After the commit: the token is spent even if signing fails, which costs the user one more email at worst.
  return issueSession(ctx.db, ctx.project, user, { ...meta, method: 'magic_link' });
}

/**
 * Moves the user to the address the confirmation went to (verified: the mail
 * reached it). 409 `conflict` if another account took that address meanwhile.
 * An anonymous user who confirms an address becomes a regular (passwordless)
 * user with the same id. Confirmed without a session of the account
 * (`holder`), the account's password and sessions end (see proveAddress):
 * else an attacker could move their own account onto a victim's address.
 */
export async function confirmEmailChange(ctx: ServiceContext, token: string, holder?: string): Promise<UserRow> {
  return consumeEmailToken(ctx.db, 'email_change', { token }, async (tx, row) => {
    const user = row.userId ? await getUser(tx, row.userId) : undefined;
    if (!user || !row.email) throw new ApiError('invalid_email_token', 'the link is no longer valid for this account');
    if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
    const other = await findUserByEmail(tx, row.email);
    if (other && other.id !== user.id) throw new ApiError('conflict', 'another account has this email address now');
    return proveAddress(tx, user, { holder, patch: { email: row.email, ...(user.anonymous ? { anonymous: false } : {}) } });
  });
}
