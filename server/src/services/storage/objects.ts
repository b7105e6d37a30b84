import type { StorageObject } from '@baas/protocol';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { ApiError } from '../../errors.ts';
import { newId, nowIso } from '../../ids.ts';
import { asUniqueViolation, type Database, type DbRow } from '../../db/database.ts';
import type { BlobDriver } from '../../storage/driver.ts';
import type { ServiceContext } from '../context.ts';
import { authInfoOf, getUser } from '../auth/users.ts';
import { getBucket, MAX_OBJECT_SIZE, typeAllowed, type Bucket } from './buckets.ts';
import { validatePrefix } from './paths.ts';
import { allowedByRule, callerOf, objectColumns, ruleCondition, type RuleCaller, type RuleObject } from './rules.ts';
import { MAX_EXPIRES_IN, signToken, verifyToken, type SignedAction, type Signer } from './signing.ts';

/** An object's metadata as the API shows it (the wire type). */
export type StoredObject = StorageObject;

/** An object with where its bytes are: for the server only, never sent to clients. */
export interface ObjectWithBlob extends StoredObject {
  blobKey: string;
}

/** One upload. `path` has been validated (paths.ts). */
export interface UploadInput {
  bucket: string;
  path: string;
  body: Readable;
  contentType: string | undefined;
  /** Content-Length of a raw body, when the client sent one. */
  declaredSize?: number;
  upsert: boolean;
  /** A signed-URL token (`?token=`), when the caller has one. */
  token?: string;
}

/** Largest page of a listing. */
export const MAX_LIST_LIMIT = 1000;

function rowToObject(row: DbRow): ObjectWithBlob {
  return {
    bucket: String(row.bucket),
    path: String(row.path),
    size: Number(row.size),
    contentType: String(row.content_type),
    sha256: String(row.sha256),
    etag: String(row.etag),
    owner: (row.owner as string | null) ?? null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    blobKey: String(row.blob_key),
  };
}

/** The metadata a client may see (no blob key). */
export function publicObject(o: ObjectWithBlob): StoredObject {
  const { blobKey: _key, ...rest } = o;
  return rest;
}

const ruleObject = (o: StoredObject): RuleObject => ({ bucket: o.bucket, path: o.path, size: o.size, contentType: o.contentType, owner: o.owner });

async function findObject(db: Database, bucket: string, path: string): Promise<ObjectWithBlob | undefined> {
  const row = await db.get(sql`SELECT * FROM ${db.table('_objects')} WHERE bucket = ${bucket} AND path = ${path}`);
  return row && rowToObject(row);
}

/** Removes an object's derived images in `tx`; returns their blob keys, to delete after commit. */
export async function dropVariants(tx: Database, bucket: string, path: string): Promise<string[]> {
  const rows = await tx.all<{ blob_key: string }>(sql`SELECT blob_key FROM ${tx.table('_object_variants')} WHERE bucket = ${bucket} AND path = ${path}`);
  if (rows.length) await tx.run(sql`DELETE FROM ${tx.table('_object_variants')} WHERE bucket = ${bucket} AND path = ${path}`);
  return rows.map((r) => r.blob_key);
}

// Blobs are deleted after the metadata commit: a crash in between leaves an unreferenced blob, never a row without bytes.
async function deleteBlobs(blobs: BlobDriver, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => blobs.delete(key).catch(() => undefined)));
}

/** The content type as stored: lowercase type/subtype, parameters kept; octet-stream when absent or malformed. */
export function normalizeContentType(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  const [type, ...params] = value.split(';');
  if (!/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/.test(type.trim()) || value.length > 255) return 'application/octet-stream';
  return [type.trim().toLowerCase(), ...params.map((p) => p.trim())].join('; ');
}

const invalidToken = () => new ApiError('forbidden', 'the signed URL is invalid, has expired, or its object was replaced or deleted');

/** The signer of a URL as bucket rules judge them now; 403 when the signing user is gone or disabled. */
async function callerOfSigner(ctx: ServiceContext, signer: Signer): Promise<RuleCaller> {
  if (signer.kind === 'privileged') return { privileged: true, auth: null };
  if (signer.kind === 'guest') return { privileged: false, auth: null };
  const user = await getUser(ctx.db, signer.id);
  if (!user || user.disabled) throw invalidToken();
  return { privileged: false, auth: authInfoOf(user) };
}

function signerOf(caller: RuleCaller): Signer {
  if (caller.privileged) return { kind: 'privileged' };
  return caller.auth ? { kind: 'user', id: caller.auth.id } : { kind: 'guest' };
}

// Objects of a bucket. Reads: service role, public buckets, a valid read
// token, or the read rule. Writes: service role, or the write rule, judged
// as the caller or as the signer of a write URL (on the new object, and on
// the one it replaces).

/**
 * An object the caller may read, with its bucket. A read rule that does not
 * hold answers 404, as a hidden record does; a locked rule (null) answers 403.
 * A read token opens exactly the object it was signed for: once that object
 * is replaced or deleted, the token is refused, whatever stands there now.
 */
export async function readableObject(ctx: ServiceContext, bucketName: string, path: string, token?: string): Promise<{ bucket: Bucket; object: ObjectWithBlob }> {
  const bucket = await getBucket(ctx, bucketName);
  const object = await findObject(ctx.db, bucket.name, path);
  if (token !== undefined) {
    const target = { project: ctx.project.id, bucket: bucket.name, path, action: 'read' as const, version: object?.blobKey };
    if (!object || !(await verifyToken(ctx.db, target, token))) throw invalidToken();
    return { bucket, object };
  }
  const caller = callerOf(ctx.actor);
  if (!bucket.public && !caller.privileged) {
    if (bucket.rules.read === null) throw new ApiError('forbidden', `only the service role may read objects of '${bucket.name}'`);
    if (object && !allowedByRule(caller, bucket.rules.read, ruleObject(object))) throw notFound(bucket.name, path);
  }
  if (!object) throw notFound(bucket.name, path);
  return { bucket, object };
}

/**
 * Streams an upload to a new blob, then records it. The write rule is
 * judged as the caller, or as the signer of a write URL, on the object as
 * it will be stored (its real content type and size) and on the object it
 * replaces: a URL lets its holder do what the signer could do, no more.
 */
export async function uploadObject(ctx: ServiceContext, input: UploadInput): Promise<StoredObject> {
  const bucket = await getBucket(ctx, input.bucket);
  const { path, upsert } = input;
  const contentType = normalizeContentType(input.contentType);
  if (!typeAllowed(bucket, contentType)) {
    throw new ApiError('unsupported_media_type', `bucket '${bucket.name}' does not accept '${contentType}'`, { allowedTypes: bucket.allowedTypes });
  }
  const limit = Math.min(bucket.maxSize ?? MAX_OBJECT_SIZE, MAX_OBJECT_SIZE);
  if (input.declaredSize !== undefined && input.declaredSize > limit) {
    throw new ApiError('payload_too_large', `the object is larger than the bucket's limit of ${limit} bytes`);
  }
  let caller = callerOf(ctx.actor);
  if (input.token !== undefined) {
    const signer = await verifyToken(ctx.db, { project: ctx.project.id, bucket: bucket.name, path, action: 'write' }, input.token);
    if (!signer) throw invalidToken();
    caller = await callerOfSigner(ctx, signer);
  }
  const owner = caller.auth?.id ?? null;
  const mayWrite = (o: RuleObject) => allowedByRule(caller, bucket.rules.write, o);
  const denied = () => new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);

  // Judge everything knowable before a byte is stored: a refused upload should not cost disk.
  if (!caller.privileged && bucket.rules.write === null) throw new ApiError('forbidden', `only the service role may write objects to '${bucket.name}'`);
  const planned = { bucket: bucket.name, path, contentType, owner };
  if (input.declaredSize !== undefined && !mayWrite({ ...planned, size: input.declaredSize })) throw denied();
  const existing = await findObject(ctx.db, bucket.name, path);
  if (existing && !upsert) throw exists(bucket.name, path);
  if (existing && !mayWrite(ruleObject(existing))) throw denied();

  const blobKey = `${ctx.project.id}/${newId()}`;
  const stored = await ctx.blobs.put(blobKey, input.body, { contentType, size: input.declaredSize, maxSize: limit });
  try {
    if (!mayWrite({ ...planned, size: stored.size })) throw denied();
    const now = nowIso();
    const { object, stale } = await ctx.db.transaction(async (tx) => {
      const current = await findObject(tx, bucket.name, path);
      const values = { size: stored.size, sha256: stored.sha256 };
      if (current) {
        if (!upsert) throw exists(bucket.name, path);
        if (!mayWrite(ruleObject(current))) throw denied();
        await tx.run(sql`UPDATE ${tx.table('_objects')} SET size = ${values.size}, content_type = ${contentType}, sha256 = ${values.sha256},
          etag = ${values.sha256}, owner = ${owner}, blob_key = ${blobKey}, updated_at = ${now} WHERE bucket = ${bucket.name} AND path = ${path}`);
        const stale = [current.blobKey, ...(await dropVariants(tx, bucket.name, path))];
        return { object: { ...current, ...values, contentType, etag: values.sha256, owner, blobKey, updatedAt: now }, stale };
      }
      await tx.run(sql`INSERT INTO ${tx.table('_objects')} (bucket, path, size, content_type, sha256, etag, owner, blob_key, created_at, updated_at)
        VALUES (${bucket.name}, ${path}, ${values.size}, ${contentType}, ${values.sha256}, ${values.sha256}, ${owner}, ${blobKey}, ${now}, ${now})`);
      const object: ObjectWithBlob = { bucket: bucket.name, path, ...values, contentType, etag: values.sha256, owner, blobKey, createdAt: now, updatedAt: now };
      return { object, stale: [] as string[] };
    });
    await deleteBlobs(ctx.blobs, stale);
    return publicObject(object);
  } catch (err) {
    await ctx.blobs.delete(blobKey).catch(() => undefined);
    throw asUniqueViolation(err) ? exists(bucket.name, path) : err;
  }
}

/**
 * A token for a signed URL, if the caller may do `action` on the path now.
 * read: the caller may read the object, and the token opens that version
 * of it only. write: the write rule holds for an object at the path owned
 * by the caller, of the `contentType` they intend (null when not said), and
 * for the object it would replace; the upload made with the token is
 * judged again, as the signer, with its real content type and size, and
 * stays bound by the bucket's maxSize and allowedTypes (x-upsert to replace).
 */
export async function signObject(
  ctx: ServiceContext,
  bucketName: string,
  path: string,
  action: SignedAction,
  expiresIn: number,
  intent: { contentType?: string } = {},
): Promise<{ token: string; expiresAt: string }> {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
    throw new ApiError('validation_failed', `expiresIn must be 1..${MAX_EXPIRES_IN} seconds`);
  }
  const caller = callerOf(ctx.actor);
  const target = { project: ctx.project.id, bucket: bucketName, path, action };
  if (action === 'read') {
    const { object } = await readableObject(ctx, bucketName, path);
    return signToken(ctx.db, { ...target, version: object.blobKey }, signerOf(caller), expiresIn);
  }
  const bucket = await getBucket(ctx, bucketName);
  const denied = new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);
  const contentType = intent.contentType === undefined ? null : normalizeContentType(intent.contentType);
  if (!allowedByRule(caller, bucket.rules.write, { bucket: bucket.name, path, size: null, contentType, owner: caller.auth?.id ?? null })) throw denied;
  const existing = await findObject(ctx.db, bucket.name, path);
  if (existing && !allowedByRule(caller, bucket.rules.write, ruleObject(existing))) throw denied;
  return signToken(ctx.db, target, signerOf(caller), expiresIn);
}

/** Deletes an object the write rule allows (judged on the object as stored). */
export async function deleteObject(ctx: ServiceContext, bucketName: string, path: string): Promise<void> {
  const bucket = await getBucket(ctx, bucketName);
  const caller = callerOf(ctx.actor);
  if (!caller.privileged && bucket.rules.write === null) throw new ApiError('forbidden', `only the service role may delete objects of '${bucket.name}'`);
  const keys = await ctx.db.transaction(async (tx) => {
    const object = await findObject(tx, bucket.name, path);
    if (!object) throw notFound(bucket.name, path);
    if (!allowedByRule(caller, bucket.rules.write, ruleObject(object))) throw new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);
    await tx.run(sql`DELETE FROM ${tx.table('_objects')} WHERE bucket = ${bucket.name} AND path = ${path}`);
    return [object.blobKey, ...(await dropVariants(tx, bucket.name, path))];
  });
  await deleteBlobs(ctx.blobs, keys);
}

/**
 * Objects under a prefix, in path (byte) order, after `cursor` (the last
 * path of the previous page). The read rule is a condition of the query,
 * as a collection's list rule is: a page, and its cursor, only ever see
 * objects the caller may read. `public` does not open listing.
 */
export async function listObjects(ctx: ServiceContext, bucketName: string, options: { prefix?: string; limit?: number; cursor?: string }): Promise<{ items: StoredObject[]; nextCursor: string | null }> {
  const bucket = await getBucket(ctx, bucketName);
  const caller = callerOf(ctx.actor);
  if (!caller.privileged && bucket.rules.read === null) throw new ApiError('forbidden', `only the service role may list objects of '${bucket.name}'`);
  const prefix = validatePrefix(options.prefix ?? '');
  const limit = Math.min(Math.max(options.limit ?? 100, 1), MAX_LIST_LIMIT);
  // Prefix by range, not LIKE: no wildcard escaping, and the primary key serves it on both engines.
  const chars = [...prefix];
  const last = chars.pop();
  const upper = last === undefined ? undefined : chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
  const objects = sql.identifier('o');
  const conditions = [sql`${objects}.bucket = ${bucket.name}`, sql`${objects}.path >= ${prefix}`];
  if (upper !== undefined) conditions.push(sql`${objects}.path < ${upper}`);
  if (options.cursor !== undefined) conditions.push(sql`${objects}.path > ${options.cursor}`);
  const rule = ruleCondition(caller, bucket.rules.read, ctx.db.dialect, sql`${objects}`);
  if (rule) conditions.push(rule);
  const rows = await ctx.db.all(sql`SELECT * FROM (SELECT ${objectColumns(ctx.db.dialect)} FROM ${ctx.db.table('_objects')}) AS ${objects}
    WHERE ${sql.join(conditions.map((c) => sql`(${c})`), sql` AND `)} ORDER BY ${objects}.path LIMIT ${limit + 1}`);
  const items = rows.slice(0, limit).map((row) => publicObject(rowToObject(row)));
  return { items, nextCursor: rows.length > limit ? items[items.length - 1].path : null };
}

function notFound(bucket: string, path: string): ApiError {
  return new ApiError('object_not_found', `no object '${path}' in bucket '${bucket}'`);
}

function exists(bucket: string, path: string): ApiError {
  return new ApiError('conflict', `object '${path}' already exists in bucket '${bucket}'; send x-upsert: true to replace it`);
}
