import { sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import { revokeUserSessions } from './sessions.ts';
import { updateUser, type UserRow, type UserPatch } from './users.ts';

/**
 * The one policy for an address someone has just proved they receive mail
 * at (an email link, or a provider that verified it), applied to the account
 * that now gets it as a verified address.
 *
 * If the account had not proved that address, whoever set its password never
 * showed they own it: a pre-registered account (an attacker signing up with
 * the victim's address, or moving an account to it) would otherwise become
 * the victim's verified account with the attacker's password and sessions
 * still working. So the password is removed and every session ends, unless
 * the proof came with a session of this very account (`holder`): then the
 * person who set the password is the one proving the address now.
 *
 * `patch` is applied with `verified: true` in the same transaction.
 */
export async function proveAddress(tx: Database, user: UserRow, options: { holder?: string; patch?: UserPatch } = {}): Promise<UserRow> {
  const unproven = !user.verified || (options.patch?.email !== undefined && options.patch.email !== user.email);
  if (unproven && options.holder !== user.id) {
    await tx.run(sql`UPDATE ${tx.table('_users')} SET password_hash = NULL WHERE id = ${user.id}`);
    await revokeUserSessions(tx, user.id);
  }
  return updateUser(tx, user.id, { ...options.patch, verified: true });
}
