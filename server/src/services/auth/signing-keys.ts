import { sql } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../../db/database.ts';
import { nowIso } from '../../ids.ts';
import { getAuthSettings } from './settings.ts';

/** The only signing algorithm: Ed25519 signatures, small keys, no parameter choices to get wrong. */
export const SIGNING_ALG = 'EdDSA';

/** A public key that verifies this project's access tokens. */
export interface VerifyingKey {
  kid: string;
  key: CryptoKey;
  jwk: JWK;
  createdAt: string;
  retiredAt: string | null;
}

/** The keys of one project as cached in memory. */
interface KeySet {
  active: { kid: string; key: CryptoKey };
  verifying: Map<string, VerifyingKey>;
  loadedAt: number;
}

// Other processes may rotate keys: the cache is re-read after this long, and at once on an unknown kid.
const CACHE_MS = 60_000;
// A flood of tokens with made-up kids must not become a flood of queries.
const UNKNOWN_KID_RELOAD_MS = 2_000;
// Clocks of several processes differ a little; a retired key verifies that much longer.
const SKEW_S = 60;

const cache = new WeakMap<Database, Promise<KeySet>>();
const lastForcedReload = new WeakMap<Database, number>();

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
}

async function newKeyRow(db: Database): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  const pub = { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' };
  await db.run(sql`INSERT INTO ${db.table('_signing_keys')} (kid, alg, private_jwk, public_jwk, created_at, retired_at)
    VALUES (${kid}, ${SIGNING_ALG}, ${JSON.stringify({ ...privateJwk, kid })}, ${JSON.stringify(pub)}, ${nowIso()}, ${null})`);
}

/**
 * Reads the keys from the store, creating the first one when there is none.
 * Retired keys stay while a token they signed may still be unexpired.
 */
async function load(db: Database): Promise<KeySet> {
  let rows = await readRows(db);
  if (!rows.some((r) => r.retired_at === null)) {
    await newKeyRow(db);
    rows = await readRows(db);
  }
  const ttl = (await getAuthSettings(db)).accessTokenTtl;
  const now = Date.now();
  const verifying = new Map<string, VerifyingKey>();
  // Newest first: when two processes created a first key at the same moment, all agree on the newest as active.
  let active: KeySet['active'] | undefined;
  for (const row of rows) {
    if (row.retired_at !== null && Date.parse(row.retired_at) + (ttl + SKEW_S) * 1000 < now) continue;
    const jwk = JSON.parse(row.public_jwk) as JWK;
    verifying.set(row.kid, { kid: row.kid, key: (await importJWK(jwk, SIGNING_ALG)) as CryptoKey, jwk, createdAt: row.created_at, retiredAt: row.retired_at });
    if (!active && row.retired_at === null) active = { kid: row.kid, key: (await importJWK(JSON.parse(row.private_jwk), SIGNING_ALG)) as CryptoKey };
  }
  return { active: active!, verifying, loadedAt: now };
}

function readRows(db: Database): Promise<KeyRow[]> {
  return db.all<KeyRow>(sql`SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM ${db.table('_signing_keys')}
    ORDER BY created_at DESC, kid DESC`);
}

/** The project's keys, from the cache while it is fresh. */
export async function keySet(db: Database, options: { reload?: boolean } = {}): Promise<KeySet> {
  let pending = cache.get(db);
  if (pending && !options.reload) {
    const set = await pending.catch(() => undefined);
    if (set && Date.now() - set.loadedAt < CACHE_MS) return set;
    if (cache.get(db) !== pending) return keySet(db, options);
  }
  pending = load(db);
  cache.set(db, pending);
  pending.catch(() => cache.delete(db));
  return pending;
}

/** The key that signs new tokens. */
export async function activeSigningKey(db: Database): Promise<{ kid: string; key: CryptoKey }> {
  return (await keySet(db)).active;
}

/**
 * The public key with this kid, or undefined. An unknown kid re-reads the
 * store (another process may have rotated), at most once every few seconds.
 */
export async function verifyingKey(db: Database, kid: string): Promise<VerifyingKey | undefined> {
  const found = (await keySet(db)).verifying.get(kid);
  if (found) return found;
  const last = lastForcedReload.get(db) ?? 0;
  if (Date.now() - last < UNKNOWN_KID_RELOAD_MS) return undefined;
  lastForcedReload.set(db, Date.now());
  return (await keySet(db, { reload: true })).verifying.get(kid);
}

/** The JSON Web Key Set of the project: the active key and retired keys that may still verify. */
export async function publicJwks(db: Database): Promise<{ keys: JWK[] }> {
  const set = await keySet(db);
  return { keys: [...set.verifying.values()].map((k) => k.jwk) };
}

/**
 * Makes a new active key and retires the others. Retired keys keep verifying
 * (and stay in jwks.json) until every token they signed has expired, then
 * are deleted at a later rotation.
 */
export async function rotateSigningKey(db: Database): Promise<{ kid: string; retired: string[] }> {
  const ttl = (await getAuthSettings(db)).accessTokenTtl;
  const now = nowIso();
  const result = await db.transaction(async (tx) => {
    const retiring = await tx.all<{ kid: string }>(sql`SELECT kid FROM ${tx.table('_signing_keys')} WHERE retired_at IS NULL`);
    await tx.run(sql`UPDATE ${tx.table('_signing_keys')} SET retired_at = ${now} WHERE retired_at IS NULL`);
    const expiredBefore = new Date(Date.now() - (ttl + SKEW_S) * 1000).toISOString();
    await tx.run(sql`DELETE FROM ${tx.table('_signing_keys')} WHERE retired_at IS NOT NULL AND retired_at < ${expiredBefore}`);
    await newKeyRow(tx);
    return retiring.map((r) => r.kid);
  });
  const set = await keySet(db, { reload: true });
  return { kid: set.active.kid, retired: result };
}
