import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { ApiError } from '../../errors.ts';
import { newId, nowIso } from '../../ids.ts';
import type { ServiceContext } from '../context.ts';
import type { ObjectWithBlob } from './objects.ts';

/** What a client may ask for: `?width=&height=&fit=&format=`. */
export interface TransformParams {
  width?: number;
  height?: number;
  fit?: 'cover' | 'contain' | 'inside';
  format?: 'webp' | 'avif' | 'jpeg' | 'png';
}

/** A derived image, stored as a blob of its own. */
export interface Variant {
  blobKey: string;
  size: number;
  contentType: string;
  sha256: string;
}

/** Largest output width or height. */
export const MAX_DIMENSION = 4096;
/** Largest decoded input (width x height): a small file can decode to gigabytes of pixels otherwise. */
export const MAX_INPUT_PIXELS = 50_000_000;
/** Largest derived file. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
/** Transforms that run at once (each keeps a core busy); more wait, and beyond QUEUE_LIMIT are refused with 429. */
export const TRANSFORM_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism() - 1));
const QUEUE_LIMIT = 32;
/** Cached variants kept per object; the oldest go first, so sweeping parameters cannot fill the disk. */
export const MAX_VARIANTS_PER_OBJECT = 16;
/** A transform that takes longer is cut off (pathological inputs). */
const TIMEOUT_SECONDS = 30;

/** Source types sharp may decode. SVG is left out: rasterizing untrusted SVG pulls in a large parser for little gain. */
const decodable = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/tiff']);
const outputOf: Record<string, TransformParams['format']> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif' };

/** Whether the request asks for a transform at all. */
export function wantsTransform(p: TransformParams): boolean {
  return p.width !== undefined || p.height !== undefined || p.fit !== undefined || p.format !== undefined;
}

/** A bounded gate: at most TRANSFORM_CONCURRENCY jobs run, QUEUE_LIMIT wait, the rest are refused. */
class Gate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number, private readonly queueLimit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queueLimit) throw new ApiError('rate_limited', 'too many image transforms at once; retry shortly');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next job, so the count never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.running--;
    }
  }
}

const gate = new Gate(TRANSFORM_CONCURRENCY, QUEUE_LIMIT);
const inFlight = new Map<string, Promise<Variant>>();

/**
 * The derived image of `object` for `params`, made with sharp on first
 * request and cached as a blob recorded in `_object_variants` (keyed by the
 * object's etag and the normalized parameters). Overwriting or deleting the
 * object drops its variants. Non-images are a 400.
 */
export async function variantOf(ctx: ServiceContext, object: ObjectWithBlob, params: TransformParams): Promise<Variant> {
  const sourceType = object.contentType.split(';')[0];
  if (!decodable.has(sourceType)) {
    throw new ApiError('invalid_transform', `'${object.contentType}' is not an image that can be transformed (jpeg, png, webp, avif, gif, tiff)`);
  }
  for (const key of ['width', 'height'] as const) {
    const v = params[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > MAX_DIMENSION)) {
      throw new ApiError('invalid_transform', `${key} must be an integer in 1..${MAX_DIMENSION}`);
    }
  }
  const format = params.format ?? outputOf[sourceType] ?? 'webp';
  const fit = params.fit ?? 'inside';
  const variant = `w=${params.width ?? ''}&h=${params.height ?? ''}&fit=${fit}&f=${format}`;
  const flightKey = `${ctx.project.id}\n${object.bucket}\n${object.path}\n${object.etag}\n${variant}`;
  let pending = inFlight.get(flightKey);
  if (!pending) {
    pending = cachedOrMade(ctx, object, variant, { ...params, fit, format }).finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, pending);
  }
  return pending;
}

async function cachedOrMade(ctx: ServiceContext, object: ObjectWithBlob, variant: string, params: Required<Pick<TransformParams, 'fit' | 'format'>> & TransformParams): Promise<Variant> {
  const table = ctx.db.table('_object_variants');
  const find = () => ctx.db.get<{ blob_key: string; size: number; content_type: string; sha256: string }>(
    sql`SELECT blob_key, size, content_type, sha256 FROM ${table} WHERE bucket = ${object.bucket} AND path = ${object.path} AND variant = ${variant} AND source_etag = ${object.etag}`,
  );
  const cached = await find();
  if (cached) return { blobKey: cached.blob_key, size: Number(cached.size), contentType: cached.content_type, sha256: cached.sha256 };

  const contentType = `image/${params.format}`;
  const blobKey = `${ctx.project.id}/v/${createHash('sha256').update(`${object.etag}\n${variant}`).digest('hex').slice(0, 32)}${newId().slice(-8)}`;
  const made = await gate.run(async () => {
    const source = await ctx.blobs.get(object.blobKey);
    const pipeline = sharp({ limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true })
      .rotate()
      .resize({ width: params.width, height: params.height, fit: params.fit, withoutEnlargement: true, background: { r: 255, g: 255, b: 255, alpha: 0 } })
      .toFormat(params.format, { quality: 80 })
      .timeout({ seconds: TIMEOUT_SECONDS });
    source.once('error', (err) => pipeline.destroy(err));
    source.pipe(pipeline);
    try {
      return await ctx.blobs.put(blobKey, pipeline, { contentType, maxSize: MAX_OUTPUT_BYTES });
    } catch (err) {
      source.destroy();
      if (err instanceof ApiError) throw err;
      throw new ApiError('invalid_transform', `the image could not be transformed: ${(err as Error).message}`);
    }
  });

  // Recorded only while the source is unchanged: an overwrite that raced this transform must not inherit it.
  const inserted = await ctx.db.run(sql`INSERT INTO ${table} (bucket, path, variant, source_etag, size, content_type, sha256, blob_key, created_at)
    SELECT ${object.bucket}, ${object.path}, ${variant}, ${object.etag}, ${made.size}, ${contentType}, ${made.sha256}, ${blobKey}, ${nowIso()}
    WHERE EXISTS (SELECT 1 FROM ${ctx.db.table('_objects')} WHERE bucket = ${object.bucket} AND path = ${object.path} AND etag = ${object.etag})
    ON CONFLICT (bucket, path, variant) DO NOTHING`);
  if (inserted.changes === 1) {
    await evictOldVariants(ctx, object);
    return { blobKey, size: made.size, contentType, sha256: made.sha256 };
  }
  await ctx.blobs.delete(blobKey).catch(() => undefined);
  const winner = await find();
  if (winner) return { blobKey: winner.blob_key, size: Number(winner.size), contentType: winner.content_type, sha256: winner.sha256 };
  throw new ApiError('conflict', 'the object changed while it was being transformed; retry');
}

async function evictOldVariants(ctx: ServiceContext, object: ObjectWithBlob): Promise<void> {
  const table = ctx.db.table('_object_variants');
  const old = await ctx.db.all<{ variant: string; blob_key: string }>(sql`SELECT variant, blob_key FROM ${table}
    WHERE bucket = ${object.bucket} AND path = ${object.path} ORDER BY created_at DESC, variant LIMIT 1000 OFFSET ${MAX_VARIANTS_PER_OBJECT}`);
  for (const row of old) {
    const gone = await ctx.db.run(sql`DELETE FROM ${table} WHERE bucket = ${object.bucket} AND path = ${object.path} AND variant = ${row.variant} AND blob_key = ${row.blob_key}`);
    // A reader may be streaming this blob right now; fs keeps an open file readable after unlink,
    // and S3 serves a GET that has started. Only the row's deleter removes the blob.
    if (gone.changes === 1) await ctx.blobs.delete(row.blob_key).catch(() => undefined);
  }
}
