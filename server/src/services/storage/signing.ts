import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';

/** What a signed URL lets its holder do. */
export type SignedAction = 'read' | 'write';

/** Longest validity of a signed URL: 7 days, as S3 presigned URLs. */
export const MAX_EXPIRES_IN = 7 * 24 * 3600;

/** What a valid token grants. */
export interface SignedGrant {
  action: SignedAction;
  /** The signer's user id: becomes the owner of an object uploaded with a write token. */
  owner: string | null;
}

const SETTING = 'storage.signing_secret';
const secrets = new WeakMap<Database, Promise<Buffer>>();

/**
 * The project's signing key: 32 random bytes in `_settings`, created on first
 * use (ON CONFLICT keeps the first writer's key when two processes race), so
 * every process of the project signs alike and a project's tokens never
 * verify on another project.
 */
function secretOf(db: Database): Promise<Buffer> {
  let secret = secrets.get(db);
  if (!secret) {
    secret = (async () => {
      const table = db.table('_settings');
      await db.run(sql`INSERT INTO ${table} (key, value) VALUES (${SETTING}, ${randomBytes(32).toString('base64url')}) ON CONFLICT (key) DO NOTHING`);
      const row = await db.get<{ value: string }>(sql`SELECT value FROM ${table} WHERE key = ${SETTING}`);
      return Buffer.from(row!.value, 'base64url');
    })();
    secret.catch(() => secrets.delete(db));
    secrets.set(db, secret);
  }
  return secret;
}

// JSON of an array: no separator a path could contain can make two different tuples sign alike.
function mac(secret: Buffer, parts: Array<string | number | null>): string {
  return createHmac('sha256', secret).update(JSON.stringify(['v1', ...parts])).digest('base64url');
}

/**
 * A token `<expiry>.<owner>.<hmac>` bound to project, bucket, path, action,
 * expiry (unix seconds) and signer. The HMAC-SHA256 key is the project's secret.
 */
export async function signToken(
  db: Database,
  target: { project: string; bucket: string; path: string; action: SignedAction; owner: string | null },
  expiresIn: number,
): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(Date.now() / 1000) + expiresIn;
  const owner = target.owner ?? '';
  const sig = mac(await secretOf(db), [target.project, target.bucket, target.path, target.action, exp, owner]);
  return { token: `${exp}.${Buffer.from(owner).toString('base64url')}.${sig}`, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * Checks a token for this exact project, bucket, path and action; undefined
 * when it is malformed, tampered with, for another target, or expired. The
 * HMAC is compared in constant time.
 */
export async function verifyToken(
  db: Database,
  target: { project: string; bucket: string; path: string; action: SignedAction },
  token: string,
): Promise<SignedGrant | undefined> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{0,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const exp = Number(match[1]);
  const owner = Buffer.from(match[2], 'base64url').toString('utf8');
  const expected = Buffer.from(mac(await secretOf(db), [target.project, target.bucket, target.path, target.action, exp, owner]));
  const actual = Buffer.from(match[3]);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  if (exp <= Math.floor(Date.now() / 1000)) return undefined;
  return { action: target.action, owner: owner || null };
}
