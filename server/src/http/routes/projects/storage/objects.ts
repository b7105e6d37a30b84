import type { FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { FromSchema } from 'json-schema-to-ts';
import type { Readable } from 'node:stream';
import { ApiError } from '../../../../errors.ts';
import { MAX_OBJECT_SIZE } from '../../../../services/storage/buckets.ts';
import { deleteObject, listObjects, MAX_LIST_LIMIT, readableObject, uploadObject, type StoredObject } from '../../../../services/storage/objects.ts';
import { objectPathFromUrl } from '../../../../services/storage/paths.ts';
import { MAX_DIMENSION, variantOf, wantsTransform } from '../../../../services/storage/transforms.ts';
import { binary } from '../../../openapi.ts';
import { errors, type Routes, noContent } from '../../../schemas.ts';
import { attachmentDisposition, etagMatches, parseRange } from './http-semantics.ts';

/** An object's metadata as replies show it. */
export const objectSchema = {
  type: 'object',
  properties: {
    bucket: { type: 'string' },
    path: { type: 'string' },
    size: { type: 'integer' },
    contentType: { type: 'string' },
    sha256: { type: 'string' },
    etag: { type: 'string' },
    owner: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['bucket', 'path', 'size', 'contentType', 'sha256', 'etag', 'owner', 'createdAt', 'updatedAt'],
  additionalProperties: false,
} as const;

const params = { type: 'object', properties: { bucket: { type: 'string', maxLength: 63 } }, required: ['bucket'] } as const;
const readQuery = {
  type: 'object',
  properties: {
    download: { type: 'string', maxLength: 1024, description: 'present: serve as an attachment (named after the path, or this value)' },
    token: { type: 'string', maxLength: 512, description: 'a signed-URL token' },
    width: { type: 'integer', minimum: 1, maximum: MAX_DIMENSION },
    height: { type: 'integer', minimum: 1, maximum: MAX_DIMENSION },
    fit: { type: 'string', enum: ['cover', 'contain', 'inside'] },
    format: { type: 'string', enum: ['webp', 'avif', 'jpeg', 'png'] },
  },
  additionalProperties: false,
} as const;
const writeQuery = {
  type: 'object',
  properties: { upsert: { type: 'boolean' }, token: { type: 'string', maxLength: 512 } },
  additionalProperties: false,
} as const;

/**
 * The object path exactly as the client wrote it in the URL (still
 * percent-encoded): segments after `/v1/projects/:p/storage/buckets/:b/objects/`.
 * The router's decoded wildcard would hide `%2f` inside a segment.
 */
function rawObjectPath(request: FastifyRequest): string {
  const pathname = request.raw.url!.split('?')[0];
  return objectPathFromUrl(pathname.split('/').slice(8).join('/'));
}

function upsertOf(request: FastifyRequest, query: { upsert?: boolean }): boolean {
  return query.upsert === true || String(request.headers['x-upsert'] ?? '').toLowerCase() === 'true';
}

/**
 * Maps a failed upload: a body stream that broke because the client went away
 * is the client's doing, not a 500. A reply sent before the body was read to
 * the end closes the connection, so the client stops sending (and a huge
 * refused upload is not drained to the end).
 */
function uploadFailed(request: FastifyRequest, reply: FastifyReply, err: unknown): unknown {
  if (!request.raw.complete) reply.header('connection', 'close');
  if (err instanceof ApiError) return err;
  if (request.raw.destroyed || (err as { code?: string }).code === 'ECONNRESET' || (err as Error).message === 'aborted') {
    return new ApiError('validation_failed', 'the upload was interrupted before the body was complete');
  }
  // busboy throws plain Errors for bodies it cannot read (no boundary, a broken part header, an early end).
  if (err instanceof Error && !('statusCode' in err) && multipartProblem.test(err.message)) {
    return new ApiError('validation_failed', `the multipart/form-data body cannot be read: ${err.message}`);
  }
  return err;
}

const multipartProblem = /^Multipart: |multipart data|Malformed|Unexpected end of form/i;

/**
 * Objects of a bucket: raw `PUT` and `multipart/form-data` `POST` uploads
 * (streamed), `GET`/`HEAD` with Range, ETag, If-None-Match, downloads and
 * image transforms, `DELETE`, listing by prefix. The upload routes live in an
 * encapsulated scope whose content-type parsers hand the body over
 * unconsumed, so no body (a JSON file included) is buffered or size-capped
 * by the JSON body limit.
 */
export const objectRoutes: Routes = async (app) => {
  const bytes = app.baas.metrics.storageBytes;
  /** Counts an upload's bytes in the metrics. */
  const stored = (request: FastifyRequest, object: StoredObject): StoredObject => {
    bytes.inc({ direction: 'in', project: request.ctx.project.id }, object.size);
    return object;
  };

  app.get('', {
    schema: {
      tags: ['storage'],
      summary: 'List objects by prefix, in path order (read rule applies to each)',
      params,
      querystring: {
        type: 'object',
        properties: { prefix: { type: 'string', maxLength: 1024 }, limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT }, cursor: { type: 'string', maxLength: 1024 } },
        additionalProperties: false,
      },
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: objectSchema }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'], additionalProperties: false },
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => listObjects(request.ctx, request.params.bucket, request.query),
  });

  const serve = (head: boolean) => async (request: FastifyRequest<{ Params: { bucket: string }; Querystring: FromSchema<typeof readQuery> }>, reply: FastifyReply) => {
    const ctx = request.ctx;
    const path = rawObjectPath(request);
    const { bucket, object } = await readableObject(ctx, request.params.bucket, path, request.query.token);
    const q = request.query;
    const target = wantsTransform(q)
      ? await variantOf(ctx, object, { width: q.width, height: q.height, fit: q.fit, format: q.format })
      : { blobKey: object.blobKey, size: object.size, contentType: object.contentType, sha256: object.etag };
    reply.header('etag', `"${target.sha256}"`);
    reply.header('last-modified', new Date(object.updatedAt).toUTCString());
    reply.header('accept-ranges', 'bytes');
    // A public bucket may be cached by anyone for a minute; a private object only by the client, revalidated.
    reply.header('cache-control', bucket.public && q.token === undefined ? 'public, max-age=60' : 'private, max-age=0, must-revalidate');
    // User content on the API's origin: never sniffed, never run as a page with our origin's rights.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    if (q.download !== undefined) reply.header('content-disposition', attachmentDisposition(q.download || path.split('/').pop()!));
    if (etagMatches(request.headers['if-none-match'], target.sha256)) return reply.status(304).send();

    const range = parseRange(request.headers.range, target.size);
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${target.size}`);
      throw new ApiError('range_not_satisfiable', `the range is not within the object's ${target.size} bytes`);
    }
    reply.type(target.contentType);
    if (range.kind === 'partial') {
      reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${target.size}`);
      reply.header('content-length', range.end - range.start + 1);
    } else {
      reply.header('content-length', target.size);
    }
    if (head || target.size === 0) return reply.send();
    const stream: Readable = await ctx.blobs.get(target.blobKey, range.kind === 'partial' ? range : undefined);
    // Counted once the last byte is out: a client that goes away early did not get them.
    const length = range.kind === 'partial' ? range.end - range.start + 1 : target.size;
    reply.raw.once('finish', () => bytes.inc({ direction: 'out', project: ctx.project.id }, length));
    return reply.send(stream);
  };

  const readSchema = (summary: string) => ({ tags: ['storage'], summary, params, querystring: readQuery, response: errors(400, 401, 403, 404, 416) });
  /** The reply bodies the document shows (the handler streams them; no schema serializes them). */
  const downloads = { openapi: { response: { 200: binary('the object (or its image variant)'), 206: binary('the requested byte range'), 304: { description: 'Not Modified (If-None-Match)' } } } };
  app.get('/*', {
    exposeHeadRoute: false,
    config: downloads,
    schema: readSchema('Download an object (Range, ETag/If-None-Match, ?download, ?width&height&fit&format for images)'),
    handler: serve(false),
  });
  app.head('/*', { config: { openapi: { response: { 200: { description: "the object's headers" }, 206: { description: 'the range headers' }, 304: { description: 'Not Modified' } } } }, schema: readSchema("An object's headers"), handler: serve(true) });

  app.delete('/*', {
    schema: { tags: ['storage'], summary: 'Delete an object (write rule applies)', params, response: { ...noContent, ...errors(400, 401, 403, 404) } },
    handler: async (request, reply) => {
      await deleteObject(request.ctx, request.params.bucket, rawObjectPath(request));
      reply.status(204).send(null);
    },
  });

  const uploadRoutes: Routes = async (uploads) => {
    uploads.removeAllContentTypeParsers();
    // Fastify refuses a body without Content-Type before any parser runs; S3 and curl --data-binary treat it as octet-stream.
    uploads.addHook('onRequest', async (request) => {
      request.headers['content-type'] ||= 'application/octet-stream';
    });
    // The body stays a stream: the handler pipes it to the blob driver.
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await uploads.register(multipart, { limits: { files: 1, fields: 20, fieldSize: 1024, parts: 25, fileSize: MAX_OBJECT_SIZE + 1 } });

    const uploadSchema = (summary: string) => ({
      tags: ['storage'],
      summary,
      params,
      querystring: writeQuery,
      response: { 200: objectSchema, ...errors(400, 401, 403, 404, 409, 413, 415) },
    });

    uploads.put('/*', {
      config: { openapi: { body: { type: 'string', format: 'binary', description: 'the object bytes; Content-Type is kept' }, consumes: ['*/*'] } },
      schema: uploadSchema('Upload an object from the raw body (Content-Type kept); x-upsert: true or ?upsert=true to replace'),
      handler: async (request, reply): Promise<StoredObject> => {
        const path = rawObjectPath(request);
        const length = request.headers['content-length'];
        try {
          return stored(request, await uploadObject(request.ctx, {
            bucket: request.params.bucket,
            path,
            body: request.raw,
            contentType: request.headers['content-type'],
            declaredSize: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
            upsert: upsertOf(request, request.query),
            token: request.query.token,
          }));
        } catch (err) {
          throw uploadFailed(request, reply, err);
        }
      },
    });

    uploads.post('/*', {
      config: { openapi: { body: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] }, consumes: ['multipart/form-data'] } },
      schema: uploadSchema('Upload an object from the first file of a multipart/form-data body'),
      handler: async (request, reply): Promise<StoredObject> => {
        const path = rawObjectPath(request);
        if (!request.isMultipart()) throw new ApiError('unsupported_media_type', 'send multipart/form-data with one file, or PUT the raw bytes');
        try {
          const file = await request.file();
          if (!file) throw new ApiError('validation_failed', 'the form has no file');
          return stored(request, await uploadObject(request.ctx, {
            bucket: request.params.bucket,
            path,
            body: file.file,
            contentType: file.mimetype,
            upsert: upsertOf(request, request.query),
            token: request.query.token,
          }));
        } catch (err) {
          throw uploadFailed(request, reply, err);
        }
      },
    });
  };
  await app.register(uploadRoutes);
};
