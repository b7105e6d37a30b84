import { sql, type SQL } from 'drizzle-orm';
import type { AuthUser } from '@baas/protocol';
import type { AuthInfo } from '@baas/query';
import type { Database, DbRow } from '../../db/database.ts';
import { asUniqueViolation, dbBool } from '../../db/database.ts';
import { ApiError } from '../../errors.ts';
import { hashPassword } from '../../crypto.ts';
import { newId, nowIso } from '../../ids.ts';
import { getAuthSettings, type AuthSettings } from './settings.ts';
import { publishIdentityEvent } from '../../db/identity-events.ts';
import { revokeUserSessions } from './sessions.ts';

/** A `_users` row, decoded (booleans, JSON data) on both engines: the API's user plus the password hash. */
export interface UserRow extends AuthUser {
  passwordHash: string | null;
}

/** What createUser takes. */
export interface NewUser {
  email?: string | null;
  password?: string;
  verified?: boolean;
  anonymous?: boolean;
  data?: Record<string, unknown>;
  role?: string | null;
}

/** What updateUser may change. */
export type UserPatch = Partial<{
  email: string | null;
  password: string;
  verified: boolean;
  anonymous: boolean;
  data: Record<string, unknown>;
  role: string | null;
  disabled: boolean;
}>;

/** The longest accepted password: scrypt would hash megabytes, and nobody types more. */
export const MAX_PASSWORD_LENGTH = 1024;

/** An email as stored and compared: trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The API shape of a user: never the password hash. */
export function publicUser(row: UserRow): AuthUser {
  const { passwordHash: _, ...user } = row;
  return user;
}

/** The caller as rules see it (`auth.*`). */
export function authInfoOf(row: UserRow): AuthInfo {
  return { id: row.id, email: row.email, verified: row.verified, anonymous: row.anonymous, role: row.role, data: row.data };
}

/** A raw `_users` row (either engine) -> UserRow. */
export function decodeUser(row: DbRow): UserRow {
  const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
  return {
    id: row.id as string,
    email: (row.email as string | null) ?? null,
    verified: Boolean(Number(row.verified)),
    anonymous: Boolean(Number(row.anonymous)),
    role: (row.role as string | null) ?? null,
    data: data && typeof data === 'object' && !Array.isArray(data) ? data : {},
    disabled: Boolean(Number(row.disabled)),
    passwordHash: (row.password_hash as string | null) ?? null,
    lastSignInAt: (row.last_sign_in_at as string | null) ?? null,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

/** The user with this email (normalized before the lookup), or undefined. */
export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const row = await db.get(sql`SELECT * FROM ${db.table('_users')} WHERE email = ${normalizeEmail(email)}`);
  return row && decodeUser(row);
}

/** The user with this id, or undefined. */
export async function getUser(db: Database, id: string): Promise<UserRow | undefined> {
  const row = await db.get(sql`SELECT * FROM ${db.table('_users')} WHERE id = ${id}`);
  return row && decodeUser(row);
}

/**
 * Checks a password against the project's policy: 400 `validation_failed`
 * with `details.fields.password` saying what is wrong.
 */
export function checkPassword(settings: Pick<AuthSettings, 'passwordMinLength'>, password: string, email?: string | null): void {
  let message: string | undefined;
  let code = 'password_policy';
  if (typeof password !== 'string') message = 'must be a string';
  else if ([...password].length < settings.passwordMinLength) {
    code = 'min_length';
    message = `must be at least ${settings.passwordMinLength} characters`;
  } else if (password.length > MAX_PASSWORD_LENGTH) {
    code = 'max_length';
    message = `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  } else if (email && normalizeEmail(password) === normalizeEmail(email)) {
    code = 'same_as_email';
    message = 'must not be the email address';
  }
  if (message) throw new ApiError('validation_failed', `the password ${message}`, { fields: { password: { code, message } } });
}

function checkEmail(email: string): string {
  const normalized = normalizeEmail(email);
  // Deliberately loose: the verification email is the real check.
  if (normalized.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(normalized)) {
    throw new ApiError('validation_failed', 'the email address is not valid', { fields: { email: { code: 'format', message: 'is not an email address' } } });
  }
  return normalized;
}

function conflictOnDuplicate(err: unknown): never {
  if (asUniqueViolation(err)) throw new ApiError('conflict', 'a user with this email already exists', { fields: { email: { code: 'taken', message: 'is already registered' } } });
  throw err;
}

/** Creates a user. 409 `conflict` when the email is taken; 400 when the password breaks the policy. */
export async function createUser(db: Database, input: NewUser): Promise<UserRow> {
  const email = input.email ? checkEmail(input.email) : null;
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    checkPassword(await getAuthSettings(db), input.password, email);
    passwordHash = await hashPassword(input.password);
  }
  const now = nowIso();
  const id = newId();
  try {
    await db.run(sql`INSERT INTO ${db.table('_users')}
      (id, email, verified, anonymous, role, data, password_hash, disabled, created_at, updated_at)
      VALUES (${id}, ${email}, ${dbBool(db, input.verified ?? false)}, ${dbBool(db, input.anonymous ?? false)}, ${input.role ?? null},
        ${JSON.stringify(input.data ?? {})}, ${passwordHash}, ${dbBool(db, false)}, ${now}, ${now})`);
  } catch (err) {
    conflictOnDuplicate(err);
  }
  return (await getUser(db, id))!;
}

/**
 * Changes a user; answers the new row (404 `user_not_found` when there is none).
 * A new password is checked against the policy and hashed. Disabling a user
 * also ends all their sessions, so their access tokens stop working at once.
 * Revoking sessions on a password change is the caller's choice (the caller's
 * own session may stay). On commit, a disabled user is published as removed,
 * and a change to what rules read of them (`auth.*`) as changed, so live
 * connections judge them as they are now.
 */
export async function updateUser(db: Database, id: string, patch: UserPatch): Promise<UserRow> {
  const current = await getUser(db, id);
  if (!current) throw new ApiError('user_not_found', `no user '${id}'`);
  const sets: SQL[] = [];
  let email = current.email;
  if (patch.email !== undefined) {
    email = patch.email === null ? null : checkEmail(patch.email);
    sets.push(sql`email = ${email}`);
  }
  if (patch.password !== undefined) {
    checkPassword(await getAuthSettings(db), patch.password, email);
    sets.push(sql`password_hash = ${await hashPassword(patch.password)}`);
  }
  if (patch.verified !== undefined) sets.push(sql`verified = ${dbBool(db, patch.verified)}`);
  if (patch.anonymous !== undefined) sets.push(sql`anonymous = ${dbBool(db, patch.anonymous)}`);
  if (patch.data !== undefined) sets.push(sql`data = ${JSON.stringify(patch.data)}`);
  if (patch.role !== undefined) sets.push(sql`role = ${patch.role}`);
  if (patch.disabled !== undefined) sets.push(sql`disabled = ${dbBool(db, patch.disabled)}`);
  if (!sets.length) return current;
  sets.push(sql`updated_at = ${nowIso()}`);
  return db.transaction(async (tx) => {
    try {
      await tx.run(sql`UPDATE ${tx.table('_users')} SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
    } catch (err) {
      conflictOnDuplicate(err);
    }
    // Published first, so a connection hears why (`user_disabled`) before the sessions' ends.
    if (patch.disabled && !current.disabled) await publishIdentityEvent(tx, { kind: 'user_removed', userId: id, reason: 'disabled' });
    if (patch.disabled) await revokeUserSessions(tx, id);
    const updated = (await getUser(tx, id))!;
    if (!updated.disabled && JSON.stringify(authInfoOf(updated)) !== JSON.stringify(authInfoOf(current))) {
      await publishIdentityEvent(tx, { kind: 'user_changed', userId: id });
    }
    return updated;
  });
}

/** Deletes a user; their sessions, tokens and identities go with them (foreign keys cascade). */
export async function deleteUser(db: Database, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await getUser(tx, id))) return false;
    // Before the sessions' ends (see updateUser); both go out when the transaction commits.
    await publishIdentityEvent(tx, { kind: 'user_removed', userId: id, reason: 'deleted' });
    // Explicit, not only ON DELETE CASCADE: a session must never outlive its user, whatever the store's pragmas.
    await revokeUserSessions(tx, id);
    return (await tx.run(sql`DELETE FROM ${tx.table('_users')} WHERE id = ${id}`)).changes > 0;
  });
}
