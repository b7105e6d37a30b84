import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';

/** What a signed URL lets its holder do. */
export type SignedAction = 'read' | 'write';

/** Longest validity of a signed URL: 7 days, as S3 presigned URLs. */
export const MAX_EXPIRES_IN = 7 * 24 * 3600;

/**
 * Who signed a URL: the holder acts as them. `privileged` = the service role
 * or an admin; `guest`; or a user, by id (looked up again when the URL is used).
 */
export type Signer = { kind: 'privileged' } | { kind: 'guest' } | { kind: 'user'; id: string };

/** What a token is for. `version` names the object a read URL was signed for (its blob). */
export interface SignedTarget {
  project: string;
  bucket: string;
  path: string;
  action: SignedAction;
  version?: string;
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
function mac(secret: Buffer, target: SignedTarget, exp: number, signer: string): string {
  const parts = ['v2', target.project, target.bucket, target.path, target.action, target.version ?? '', exp, signer];
  return createHmac('sha256', secret).update(JSON.stringify(parts)).digest('base64url');
}

const encodeSigner = (s: Signer) => (s.kind === 'user' ? `u:${s.id}` : s.kind === 'guest' ? 'g' : 'p');

function decodeSigner(text: string): Signer | undefined {
  if (text === 'p') return { kind: 'privileged' };
  if (text === 'g') return { kind: 'guest' };
  return text.startsWith('u:') && text.length > 2 ? { kind: 'user', id: text.slice(2) } : undefined;
}

/**
 * A token `<expiry>.<signer>.<hmac>` bound to project, bucket, path, action,
 * the object's version (read URLs), expiry (unix seconds) and signer. The
 * HMAC-SHA256 key is the project's secret.
 */
export async function signToken(db: Database, target: SignedTarget, signer: Signer, expiresIn: number): Promise<{ token: string; expiresAt: string }> {
  const exp = Math.floor(Date.now() / 1000) + expiresIn;
  const who = encodeSigner(signer);
  const sig = mac(await secretOf(db), target, exp, who);
  return { token: `${exp}.${Buffer.from(who).toString('base64url')}.${sig}`, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * The signer of a token for this exact target (project, bucket, path, action
 * and, for a read, the object's current version); undefined when it is
 * malformed, tampered with, for another target or an object since replaced,
 * or expired. The HMAC is compared in constant time.
 */
export async function verifyToken(db: Database, target: SignedTarget, token: string): Promise<Signer | undefined> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const exp = Number(match[1]);
  const who = Buffer.from(match[2], 'base64url').toString('utf8');
  const expected = Buffer.from(mac(await secretOf(db), target, exp, who));
  const actual = Buffer.from(match[3]);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  if (exp <= Math.floor(Date.now() / 1000)) return undefined;
  return decodeSigner(who);
}
