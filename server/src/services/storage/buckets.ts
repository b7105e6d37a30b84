import type { StorageBucket, StorageBucketInput } from '@baas/protocol';
import { sql } from 'drizzle-orm';
import { ApiError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import type { DbRow } from '../../db/database.ts';
import { asUniqueViolation, dbBool } from '../../db/database.ts';
import type { ServiceContext } from '../context.ts';
import { bucketNamePattern } from './paths.ts';
import { checkBucketRule } from './rules.ts';

/** Largest object any bucket accepts (a bucket may set less): 5 GiB. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * 1024;

/** A bucket as the API shows it (the wire type). */
export type Bucket = StorageBucket;

/** The fields a create or update may set. */
export type BucketInput = StorageBucketInput;

/** A content-type pattern: `type/subtype` or `type/*`, lowercase. */
const typePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/;

function rowToBucket(row: DbRow): Bucket {
  return {
    name: String(row.name),
    public: row.public === true || row.public === 1,
    maxSize: row.max_size === null ? null : Number(row.max_size),
    allowedTypes: row.allowed_types === null ? null : (JSON.parse(String(row.allowed_types)) as string[]),
    rules: { read: (row.read_rule as string | null) ?? null, write: (row.write_rule as string | null) ?? null },
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

function validate(input: BucketInput): void {
  if (input.name !== undefined && !bucketNamePattern.test(input.name)) {
    throw new ApiError('validation_failed', 'invalid bucket name', { fields: { name: { code: 'pattern', message: 'must be 1-63 of a-z 0-9 _ -, starting with a letter or digit' } } });
  }
  if (input.maxSize != null && (!Number.isInteger(input.maxSize) || input.maxSize < 1 || input.maxSize > MAX_OBJECT_SIZE)) {
    throw new ApiError('validation_failed', 'invalid maxSize', { fields: { maxSize: { code: 'range', message: `must be an integer in 1..${MAX_OBJECT_SIZE}` } } });
  }
  for (const type of input.allowedTypes ?? []) {
    if (!typePattern.test(type)) {
      throw new ApiError('validation_failed', `invalid content type '${type}'`, { fields: { allowedTypes: { code: 'pattern', message: 'items must look like image/png or image/*' } } });
    }
  }
  checkBucketRule('read', input.rules?.read ?? null);
  checkBucketRule('write', input.rules?.write ?? null);
}

/** Whether a content type is one a bucket accepts. Parameters (`; charset=...`) are ignored. */
export function typeAllowed(bucket: Bucket, contentType: string): boolean {
  if (!bucket.allowedTypes) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return bucket.allowedTypes.some((allowed) => (allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : type === allowed));
}

// Buckets of a project; the routes allow only the service role to manage them.
export async function listBuckets(ctx: ServiceContext): Promise<Bucket[]> {
  const rows = await ctx.db.all(sql`SELECT * FROM ${ctx.db.table('_buckets')} ORDER BY name`);
  return rows.map(rowToBucket);
}

/** The bucket, or 404 `bucket_not_found`. */
export async function getBucket(ctx: ServiceContext, name: string): Promise<Bucket> {
  const row = bucketNamePattern.test(name) ? await ctx.db.get(sql`SELECT * FROM ${ctx.db.table('_buckets')} WHERE name = ${name}`) : undefined;
  if (!row) throw new ApiError('bucket_not_found', `no bucket '${name}'`);
  return rowToBucket(row);
}

export async function createBucket(ctx: ServiceContext, input: BucketInput & { name: string }): Promise<Bucket> {
  validate(input);
  const now = nowIso();
  const bucket: Bucket = {
    name: input.name,
    public: input.public ?? false,
    maxSize: input.maxSize ?? null,
    allowedTypes: input.allowedTypes ?? null,
    rules: { read: input.rules?.read ?? null, write: input.rules?.write ?? null },
    createdAt: now,
    updatedAt: now,
  };
  try {
    await ctx.db.run(sql`INSERT INTO ${ctx.db.table('_buckets')} (name, public, max_size, allowed_types, read_rule, write_rule, created_at, updated_at)
      VALUES (${bucket.name}, ${dbBool(ctx.db, bucket.public)}, ${bucket.maxSize}, ${bucket.allowedTypes && JSON.stringify(bucket.allowedTypes)},
              ${bucket.rules.read}, ${bucket.rules.write}, ${now}, ${now})`);
  } catch (err) {
    if (asUniqueViolation(err)) throw new ApiError('conflict', `bucket '${bucket.name}' already exists`);
    throw err;
  }
  return bucket;
}

/** Changes the given settings; a rule set to undefined keeps its value, null locks it. */
export async function updateBucket(ctx: ServiceContext, name: string, input: Omit<BucketInput, 'name'>): Promise<Bucket> {
  validate(input);
  const current = await getBucket(ctx, name);
  const next: Bucket = {
    ...current,
    public: input.public ?? current.public,
    maxSize: input.maxSize === undefined ? current.maxSize : input.maxSize,
    allowedTypes: input.allowedTypes === undefined ? current.allowedTypes : input.allowedTypes,
    rules: {
      read: input.rules?.read === undefined ? current.rules.read : input.rules.read,
      write: input.rules?.write === undefined ? current.rules.write : input.rules.write,
    },
    updatedAt: nowIso(),
  };
  await ctx.db.run(sql`UPDATE ${ctx.db.table('_buckets')} SET public = ${dbBool(ctx.db, next.public)}, max_size = ${next.maxSize},
    allowed_types = ${next.allowedTypes && JSON.stringify(next.allowedTypes)}, read_rule = ${next.rules.read}, write_rule = ${next.rules.write},
    updated_at = ${next.updatedAt} WHERE name = ${name}`);
  return next;
}

/**
 * Deletes a bucket. A bucket with objects is a 409 unless `force`, which
 * deletes the objects too (rows first, in one transaction; blobs after the
 * commit, so a crash leaves at worst unreferenced blobs, never rows without bytes).
 */
export async function deleteBucket(ctx: ServiceContext, name: string, force = false): Promise<void> {
  await getBucket(ctx, name);
  const keys = await ctx.db.transaction(async (tx) => {
    const objects = await tx.all<{ blob_key: string }>(sql`SELECT blob_key FROM ${tx.table('_objects')} WHERE bucket = ${name}`);
    if (objects.length && !force) throw new ApiError('conflict', `bucket '${name}' is not empty; delete its objects or pass ?force=true`);
    const variants = await tx.all<{ blob_key: string }>(sql`SELECT blob_key FROM ${tx.table('_object_variants')} WHERE bucket = ${name}`);
    await tx.run(sql`DELETE FROM ${tx.table('_object_variants')} WHERE bucket = ${name}`);
    await tx.run(sql`DELETE FROM ${tx.table('_objects')} WHERE bucket = ${name}`);
    await tx.run(sql`DELETE FROM ${tx.table('_buckets')} WHERE name = ${name}`);
    return [...objects, ...variants].map((r) => r.blob_key);
  });
  await Promise.all(keys.map((key) => ctx.blobs.delete(key).catch(() => undefined)));
}
