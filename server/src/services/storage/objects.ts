import type { StorageObject } from '@baas/protocol';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { ApiError } from '../../errors.ts';
import { newId, nowIso } from '../../ids.ts';
import { asUniqueViolation, type Database, type DbRow } from '../../db/database.ts';
import type { BlobDriver } from '../../storage/driver.ts';
import { authOf, isPrivileged, type ServiceContext } from '../context.ts';
import { bucketsService, MAX_OBJECT_SIZE, typeAllowed, type Bucket } from './buckets.ts';
import { validatePrefix } from './paths.ts';
import { allowedByRule, type RuleObject } from './rules.ts';
import { MAX_EXPIRES_IN, signToken, verifyToken, type SignedAction } from './signing.ts';

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

/**
 * Objects of a bucket. Reads: service role, public buckets, a valid read
 * token, or the read rule. Writes: service role, a valid write token, or the
 * write rule (on the new object, and on the one it replaces).
 */
export const objectsService = {
  /**
   * An object the caller may read, with its bucket. A read rule that does not
   * hold answers 404, as a hidden record does; a locked rule (null) answers 403.
   */
  async readable(ctx: ServiceContext, bucketName: string, path: string, token?: string): Promise<{ bucket: Bucket; object: ObjectWithBlob }> {
    const bucket = await bucketsService.get(ctx, bucketName);
    const object = await findObject(ctx.db, bucket.name, path);
    const viaToken = token !== undefined
      ? await verifyToken(ctx.db, { project: ctx.project.id, bucket: bucket.name, path, action: 'read' }, token)
      : undefined;
    if (token !== undefined && !viaToken) throw new ApiError('forbidden', 'the signed URL is invalid or has expired');
    if (!viaToken && !bucket.public && !isPrivileged(ctx.actor)) {
      if (bucket.rules.read === null) throw new ApiError('forbidden', `only the service role may read objects of '${bucket.name}'`);
      if (object && !allowedByRule(ctx.actor, bucket.rules.read, ruleObject(object))) throw notFound(bucket.name, path);
    }
    if (!object) throw notFound(bucket.name, path);
    return { bucket, object };
  },

  /** Streams an upload to a new blob, then records it; see the class comment for who may. */
  async upload(ctx: ServiceContext, blobs: BlobDriver, input: UploadInput): Promise<StoredObject> {
    const bucket = await bucketsService.get(ctx, input.bucket);
    const { path, upsert } = input;
    const contentType = normalizeContentType(input.contentType);
    if (!typeAllowed(bucket, contentType)) {
      throw new ApiError('unsupported_media_type', `bucket '${bucket.name}' does not accept '${contentType}'`, { allowedTypes: bucket.allowedTypes });
    }
    const limit = Math.min(bucket.maxSize ?? MAX_OBJECT_SIZE, MAX_OBJECT_SIZE);
    if (input.declaredSize !== undefined && input.declaredSize > limit) {
      throw new ApiError('payload_too_large', `the object is larger than the bucket's limit of ${limit} bytes`);
    }
    const grant = input.token !== undefined
      ? await verifyToken(ctx.db, { project: ctx.project.id, bucket: bucket.name, path, action: 'write' }, input.token)
      : undefined;
    if (input.token !== undefined && !grant) throw new ApiError('forbidden', 'the signed URL is invalid or has expired');
    const trusted = isPrivileged(ctx.actor) || grant !== undefined;
    const owner = grant ? grant.owner : (authOf(ctx.actor)?.id ?? null);
    const mayWrite = (o: RuleObject) => trusted || allowedByRule(ctx.actor, bucket.rules.write, o);
    // A signed URL carries its signer's right to write a path as it stood when signed; what
    // stands there now may be someone else's. So it replaces only objects its signer owns
    // (any object, when the service role signed it). Everyone else: the write rule.
    const mayReplace = (o: RuleObject) =>
      isPrivileged(ctx.actor) || (grant ? grant.owner === null || o.owner === grant.owner : mayWrite(o));
    const denied = () => new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);

    // Judge everything knowable before a byte is stored: a refused upload should not cost disk.
    if (!trusted && bucket.rules.write === null) throw new ApiError('forbidden', `only the service role may write objects to '${bucket.name}'`);
    const planned = { bucket: bucket.name, path, contentType, owner };
    if (input.declaredSize !== undefined && !mayWrite({ ...planned, size: input.declaredSize })) throw denied();
    const existing = await findObject(ctx.db, bucket.name, path);
    if (existing && !upsert) throw exists(bucket.name, path);
    if (existing && !mayReplace(ruleObject(existing))) throw denied();

    const blobKey = `${ctx.project.id}/${newId()}`;
    const stored = await blobs.put(blobKey, input.body, { contentType, size: input.declaredSize, maxSize: limit });
    try {
      if (!mayWrite({ ...planned, size: stored.size })) throw denied();
      const now = nowIso();
      const { object, stale } = await ctx.db.transaction(async (tx) => {
        const current = await findObject(tx, bucket.name, path);
        const values = { size: stored.size, sha256: stored.sha256 };
        if (current) {
          if (!upsert) throw exists(bucket.name, path);
          if (!mayReplace(ruleObject(current))) throw denied();
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
      await deleteBlobs(blobs, stale);
      return publicObject(object);
    } catch (err) {
      await blobs.delete(blobKey).catch(() => undefined);
      throw asUniqueViolation(err) ? exists(bucket.name, path) : err;
    }
  },

  /**
   * A token for a signed URL, if the caller may do `action` on the path now:
   * read = may read the existing object; write = the write rule holds for an
   * object at the path owned by the caller (size and contentType still null)
   * and for the object it would replace. The upload made with the token is
   * still bound by the bucket's maxSize and allowedTypes, and needs x-upsert to replace.
   */
  async sign(ctx: ServiceContext, bucketName: string, path: string, action: SignedAction, expiresIn: number): Promise<{ token: string; expiresAt: string }> {
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
      throw new ApiError('validation_failed', `expiresIn must be 1..${MAX_EXPIRES_IN} seconds`);
    }
    const owner = authOf(ctx.actor)?.id ?? null;
    if (action === 'read') {
      await this.readable(ctx, bucketName, path);
    } else {
      const bucket = await bucketsService.get(ctx, bucketName);
      const denied = new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);
      if (!isPrivileged(ctx.actor) && bucket.rules.write === null) throw denied;
      if (!allowedByRule(ctx.actor, bucket.rules.write, { bucket: bucket.name, path, size: null, contentType: null, owner })) throw denied;
      const existing = await findObject(ctx.db, bucket.name, path);
      if (existing && !allowedByRule(ctx.actor, bucket.rules.write, ruleObject(existing))) throw denied;
    }
    return signToken(ctx.db, { project: ctx.project.id, bucket: bucketName, path, action, owner }, expiresIn);
  },

  /** Deletes an object the write rule allows (judged on the object as stored). */
  async delete(ctx: ServiceContext, blobs: BlobDriver, bucketName: string, path: string): Promise<void> {
    const bucket = await bucketsService.get(ctx, bucketName);
    if (!isPrivileged(ctx.actor) && bucket.rules.write === null) throw new ApiError('forbidden', `only the service role may delete objects of '${bucket.name}'`);
    const keys = await ctx.db.transaction(async (tx) => {
      const object = await findObject(tx, bucket.name, path);
      if (!object) throw notFound(bucket.name, path);
      if (!allowedByRule(ctx.actor, bucket.rules.write, ruleObject(object))) throw new ApiError('forbidden', `the write rule of bucket '${bucket.name}' does not allow this`);
      await tx.run(sql`DELETE FROM ${tx.table('_objects')} WHERE bucket = ${bucket.name} AND path = ${path}`);
      return [object.blobKey, ...(await dropVariants(tx, bucket.name, path))];
    });
    await deleteBlobs(blobs, keys);
  },

  /**
   * Objects under a prefix, in path (byte) order, after `cursor` (the last
   * path of the previous page). The read rule filters in memory, so a page
   * may scan more rows than it returns; `public` does not open listing.
   */
  async list(ctx: ServiceContext, bucketName: string, options: { prefix?: string; limit?: number; cursor?: string }): Promise<{ items: StoredObject[]; nextCursor: string | null }> {
    const bucket = await bucketsService.get(ctx, bucketName);
    if (!isPrivileged(ctx.actor) && bucket.rules.read === null) throw new ApiError('forbidden', `only the service role may list objects of '${bucket.name}'`);
    const prefix = validatePrefix(options.prefix ?? '');
    const limit = Math.min(Math.max(options.limit ?? 100, 1), MAX_LIST_LIMIT);
    const table = ctx.db.table('_objects');
    // Prefix by range, not LIKE: no wildcard escaping, and the primary key serves it on both engines.
    const chars = [...prefix];
    const last = chars.pop();
    const upper = last === undefined ? undefined : chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
    const items: StoredObject[] = [];
    let after = options.cursor;
    for (let scanned = 0; items.length < limit && scanned < 20 * limit; ) {
      const batch = Math.min(limit * 2, MAX_LIST_LIMIT);
      const rows = await ctx.db.all(sql`SELECT * FROM ${table} WHERE bucket = ${bucket.name} AND path >= ${prefix}
        ${upper === undefined ? sql`` : sql`AND path < ${upper}`} ${after === undefined ? sql`` : sql`AND path > ${after}`}
        ORDER BY path LIMIT ${batch}`);
      for (const row of rows) {
        const object = rowToObject(row);
        after = object.path;
        scanned++;
        if (allowedByRule(ctx.actor, bucket.rules.read, ruleObject(object))) {
          items.push(publicObject(object));
          // Full: the next page starts after this row, whether or not more rows follow.
          if (items.length === limit) return { items, nextCursor: after };
        }
      }
      if (rows.length < batch) return { items, nextCursor: null };
    }
    return { items, nextCursor: after ?? null };
  },
};

function notFound(bucket: string, path: string): ApiError {
  return new ApiError('object_not_found', `no object '${path}' in bucket '${bucket}'`);
}

function exists(bucket: string, path: string): ApiError {
  return new ApiError('conflict', `object '${path}' already exists in bucket '${bucket}'; send x-upsert: true to replace it`);
}
