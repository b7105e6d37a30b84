import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import type { ServiceContext } from './context.ts';
import { hashSecret, randomToken } from '../crypto.ts';
import { newId, nowIso } from '../ids.ts';
import { publishIdentityEvent } from '../db/identity-events.ts';

/** A secret API key as listed: never the secret itself, only its first characters. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
}

// Secret keys (`sk_...`) of a project: the service role. Stored as a SHA-256
// hash (the key has 256 random bits, so no slow hash is needed) and shown in
// full only once, when created.

/** A new key; the reply is the only time its secret is shown. */
export async function createKey(ctx: ServiceContext, name: string): Promise<ApiKey & { secret: string }> {
  return insertKey(ctx.db, name);
}

/** Stores a new key in `db`: createKey, and a new project's default key (ProjectsService, before any request has a context). */
export async function insertKey(db: Database, name: string): Promise<ApiKey & { secret: string }> {
  const secret = randomToken('sk_');
  const key = { id: newId(), name, prefix: secret.slice(0, 10), createdAt: nowIso() };
  await db.run(sql`INSERT INTO ${db.table('_keys')} (id, name, prefix, hash, created_at)
    VALUES (${key.id}, ${key.name}, ${key.prefix}, ${hashSecret(secret)}, ${key.createdAt})`);
  return { ...key, secret };
}

export async function listKeys(ctx: ServiceContext): Promise<ApiKey[]> {
  const db = ctx.db;
  const rows = await db.all<{ id: string; name: string; prefix: string; created_at: string }>(
    sql`SELECT id, name, prefix, created_at FROM ${db.table('_keys')} ORDER BY created_at, id`,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at }));
}

/** Deletes a key; connections holding it lose the service role once that commits. */
export async function revokeKey(ctx: ServiceContext, id: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const revoked = (await tx.run(sql`DELETE FROM ${tx.table('_keys')} WHERE id = ${id}`)).changes > 0;
    if (revoked) await publishIdentityEvent(tx, { kind: 'key_revoked', keyId: id });
    return revoked;
  });
}

/**
 * The id of the key a secret belongs to, or undefined. Lookup is by hash, so
 * no secret is compared. It takes the store, not a context: it runs while the
 * actor, and so the context, is still being resolved (actors.ts).
 */
export async function resolveKey(db: Database, secret: string): Promise<string | undefined> {
  const row = await db.get<{ id: string }>(sql`SELECT id FROM ${db.table('_keys')} WHERE hash = ${hashSecret(secret)}`);
  return row?.id;
}
