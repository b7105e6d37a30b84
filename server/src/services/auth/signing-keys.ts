import { sql } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../../db/database.ts';
import type { ServiceContext } from '../context.ts';
import { nowIso } from '../../ids.ts';
import { getAuthSettings } from './settings.ts';
import { bumpVersion, stateOf } from '../../db/shared-state.ts';

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

/** The keys of one project as cached in memory (versioned shared state: db/shared-state.ts). */
interface KeySet {
  active: { kid: string; key: CryptoKey };
  verifying: Map<string, VerifyingKey>;
}

// Clocks of several processes differ a little; a retired key verifies that much longer.
const SKEW_S = 60;

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
    await db.transaction(async (tx) => {
      await newKeyRow(tx);
      await bumpVersion(tx, 'signing_keys');
    });
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
  return { active: active!, verifying };
}

function readRows(db: Database): Promise<KeyRow[]> {
  return db.all<KeyRow>(sql`SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM ${db.table('_signing_keys')}
    ORDER BY created_at DESC, kid DESC`);
}

/**
 * The project's keys, cached while their version is current. A store the
 * registry did not open (a transaction) reads them.
 */
export async function keySet(db: Database): Promise<KeySet> {
  const state = stateOf(db);
  return state ? state.get('signing_keys', db, () => load(db)) : load(db);
}

/** The key that signs new tokens. */
export async function activeSigningKey(db: Database): Promise<{ kid: string; key: CryptoKey }> {
  return (await keySet(db)).active;
}

/**
 * The public key with this kid, or undefined. An unknown kid re-reads the
 * keys' version now (another process may have just rotated, its bus message
 * still on the way) and the keys only if it changed: a made-up kid costs one
 * small query, and never delays a valid new kid.
 */
export async function verifyingKey(db: Database, kid: string): Promise<VerifyingKey | undefined> {
  const found = (await keySet(db)).verifying.get(kid);
  if (found) return found;
  await stateOf(db)?.check(db, true);
  return (await keySet(db)).verifying.get(kid);
}

/** The JSON Web Key Set of the project: the active key and retired keys that may still verify. */
export async function publicJwks(ctx: ServiceContext): Promise<{ keys: JWK[] }> {
  const set = await keySet(ctx.db);
  return { keys: [...set.verifying.values()].map((k) => k.jwk) };
}

/**
 * Makes a new active key and retires the others. Retired keys keep verifying
 * (and stay in jwks.json) until every token they signed has expired, then
 * are deleted at a later rotation.
 */
export async function rotateSigningKey(ctx: ServiceContext): Promise<{ kid: string; retired: string[] }> {
  const db = ctx.db;
  const ttl = (await getAuthSettings(db)).accessTokenTtl;
  const now = nowIso();
  const result = await db.transaction(async (tx) => {
    const retiring = await tx.all<{ kid: string }>(sql`SELECT kid FROM ${tx.table('_signing_keys')} WHERE retired_at IS NULL`);
    await tx.run(sql`UPDATE ${tx.table('_signing_keys')} SET retired_at = ${now} WHERE retired_at IS NULL`);
    const expiredBefore = new Date(Date.now() - (ttl + SKEW_S) * 1000).toISOString();
    await tx.run(sql`DELETE FROM ${tx.table('_signing_keys')} WHERE retired_at IS NOT NULL AND retired_at < ${expiredBefore}`);
    await newKeyRow(tx);
    return { retired: retiring.map((r) => r.kid), version: await bumpVersion(tx, 'signing_keys') };
  });
  stateOf(db)?.heard('signing_keys', result.version);
  const set = await keySet(db);
  return { kid: set.active.kid, retired: result.retired };
}
