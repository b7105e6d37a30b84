import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { asUniqueViolation } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { dummyPasswordHash, hashPassword, hashSecret, randomToken, verifyPassword } from '../crypto.ts';
import { newId, nowIso } from '../ids.ts';
import { publishIdentityEvent } from '../db/identity-events.ts';

/** An instance admin as the API shows it. */
export interface Admin {
  id: string;
  email: string;
  createdAt: string;
}

/** A session of an admin as the API shows it (never the token). */
export interface AdminSessionInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** Whether the request asking is made with this session. */
  current: boolean;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Admin passwords: long enough to resist guessing; no composition rules (NIST 800-63B). */
export const MIN_ADMIN_PASSWORD = 10;

/** Instance admins and their sessions. */
export class AdminsService {
  constructor(
    private readonly store: Database,
    private readonly sessionTtlSeconds: number,
  ) {}

  async create(email: string, password: string): Promise<Admin> {
    const problems: Record<string, { code: string; message: string }> = {};
    if (!emailPattern.test(email)) problems.email = { code: 'invalid_email', message: 'must be an email address' };
    if (password.length < MIN_ADMIN_PASSWORD) {
      problems.password = { code: 'too_short', message: `must have at least ${MIN_ADMIN_PASSWORD} characters` };
    }
    if (Object.keys(problems).length) throw new ApiError('validation_failed', 'invalid admin', { fields: problems });
    const admin = { id: newId(), email: email.toLowerCase(), createdAt: nowIso() };
    try {
      await this.store.run(sql`INSERT INTO ${this.store.table('admins')} (id, email, password_hash, created_at)
        VALUES (${admin.id}, ${admin.email}, ${await hashPassword(password)}, ${admin.createdAt})`);
    } catch (err) {
      if (asUniqueViolation(err)) throw new ApiError('conflict', `an admin with email '${admin.email}' exists`);
      throw err;
    }
    return admin;
  }

  async list(): Promise<Admin[]> {
    const rows = await this.store.all<{ id: string; email: string; created_at: string }>(
      sql`SELECT id, email, created_at FROM ${this.store.table('admins')} ORDER BY email`,
    );
    return rows.map((r) => ({ id: r.id, email: r.email, createdAt: r.created_at }));
  }

  /**
   * Deletes an admin by id or email (their sessions go with them). Refuses to
   * delete the last admin, which would lock everyone out of the instance, and
   * deleting `actorId` itself unless `force` (a slip that ends your own access).
   * Returns the deleted admin.
   */
  async delete(idOrEmail: string, options: { actorId?: string; force?: boolean } = {}): Promise<Admin> {
    // One transaction with a lock: two concurrent deletes must not each see "another admin is left".
    return this.store.transaction(async (tx) => {
      await tx.lockUntilCommit('admins');
      const row = await tx.get<{ id: string; email: string; created_at: string }>(
        sql`SELECT id, email, created_at FROM ${tx.table('admins')} WHERE id = ${idOrEmail} OR email = ${idOrEmail.toLowerCase()}`,
      );
      if (!row) throw new ApiError('admin_not_found', `no admin '${idOrEmail}'`);
      const count = await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${tx.table('admins')}`);
      if (Number(count?.n ?? 0) <= 1) {
        throw new ApiError('conflict', `'${row.email}' is the last admin: create another admin before deleting this one`);
      }
      if (row.id === options.actorId && !options.force) {
        throw new ApiError('conflict', 'you cannot delete your own admin account without force (it ends your access)');
      }
      await tx.run(sql`DELETE FROM ${tx.table('admins')} WHERE id = ${row.id}`);
      await publishIdentityEvent(tx, { kind: 'admin_session_ended', adminId: row.id });
      return { id: row.id, email: row.email, createdAt: row.created_at };
    });
  }

  /**
   * Sets an admin's password and ends all of their sessions (`baas admins
   * reset-password`, offline: the way back in when it is lost).
   */
  async resetPassword(email: string, password: string): Promise<Admin> {
    if (password.length < MIN_ADMIN_PASSWORD) {
      throw new ApiError('validation_failed', 'invalid password', { fields: { password: { code: 'too_short', message: `must have at least ${MIN_ADMIN_PASSWORD} characters` } } });
    }
    const hash = await hashPassword(password);
    return this.store.transaction(async (tx) => {
      const row = await tx.get<{ id: string; email: string; created_at: string }>(
        sql`SELECT id, email, created_at FROM ${tx.table('admins')} WHERE email = ${email.toLowerCase()}`,
      );
      if (!row) {
        const known = (await tx.all<{ email: string }>(sql`SELECT email FROM ${tx.table('admins')} ORDER BY email`)).map((a) => a.email);
        throw new ApiError('admin_not_found', `no admin '${email}' (the admins are: ${known.join(', ') || 'none'})`);
      }
      await tx.run(sql`UPDATE ${tx.table('admins')} SET password_hash = ${hash} WHERE id = ${row.id}`);
      await tx.run(sql`DELETE FROM ${tx.table('admin_sessions')} WHERE admin_id = ${row.id}`);
      await publishIdentityEvent(tx, { kind: 'admin_session_ended', adminId: row.id });
      return { id: row.id, email: row.email, createdAt: row.created_at };
    });
  }

  async count(): Promise<number> {
    const row = await this.store.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${this.store.table('admins')}`);
    return Number(row?.n ?? 0);
  }

  /**
   * Email + password -> a session token. Unknown email and wrong password give
   * the same error after the same work (a full scrypt either way).
   */
  async login(email: string, password: string): Promise<{ token: string; admin: Admin; expiresAt: string }> {
    const row = await this.store.get<{ id: string; email: string; password_hash: string; created_at: string }>(
      sql`SELECT id, email, password_hash, created_at FROM ${this.store.table('admins')} WHERE email = ${email.toLowerCase()}`,
    );
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash));
    if (!row || !ok) throw new ApiError('invalid_credentials', 'wrong email or password');
    const token = randomToken('adm_');
    const expiresAt = new Date(Date.now() + this.sessionTtlSeconds * 1000).toISOString();
    await this.store.run(sql`INSERT INTO ${this.store.table('admin_sessions')} (id, admin_id, token_hash, created_at, expires_at)
      VALUES (${newId()}, ${row.id}, ${hashSecret(token)}, ${nowIso()}, ${expiresAt})`);
    return { token, admin: { id: row.id, email: row.email, createdAt: row.created_at }, expiresAt };
  }

  /** The admin a session token belongs to (with the session's id), or undefined when it is unknown or expired. */
  async authenticate(token: string): Promise<(Admin & { sessionId: string }) | undefined> {
    const row = await this.store.get<{ id: string; email: string; created_at: string; expires_at: string; session_id: string }>(
      sql`SELECT a.id, a.email, a.created_at, s.expires_at, s.id AS session_id FROM ${this.store.table('admin_sessions')} s
        JOIN ${this.store.table('admins')} a ON a.id = s.admin_id WHERE s.token_hash = ${hashSecret(token)}`,
    );
    if (!row || row.expires_at <= nowIso()) return undefined;
    return { id: row.id, email: row.email, createdAt: row.created_at, sessionId: row.session_id };
  }

  /** Ends the session of a token. */
  async logout(token: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const ended = await tx.all<{ id: string; admin_id: string }>(
        sql`DELETE FROM ${tx.table('admin_sessions')} WHERE token_hash = ${hashSecret(token)} RETURNING id, admin_id`,
      );
      // Realtime connections holding this session hear of it on commit.
      for (const row of ended) await publishIdentityEvent(tx, { kind: 'admin_session_ended', adminId: row.admin_id, sessionId: row.id });
    });
  }

  /** The unexpired sessions of an admin, newest first; `current` marks the one of `token`. */
  async sessions(adminId: string, token?: string): Promise<AdminSessionInfo[]> {
    const rows = await this.store.all<{ id: string; token_hash: string; created_at: string; expires_at: string }>(
      sql`SELECT id, token_hash, created_at, expires_at FROM ${this.store.table('admin_sessions')}
        WHERE admin_id = ${adminId} AND expires_at > ${nowIso()} ORDER BY created_at DESC, id`,
    );
    const currentHash = token ? hashSecret(token) : undefined;
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, expiresAt: r.expires_at, current: r.token_hash === currentHash }));
  }
}
