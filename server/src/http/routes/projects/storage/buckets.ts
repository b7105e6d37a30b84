import { createBucket, deleteBucket, getBucket, listBuckets, MAX_OBJECT_SIZE, updateBucket } from '../../../../services/storage/buckets.ts';
import { errors, type Routes, noContent } from '../../../schemas.ts';

const rule = { type: ['string', 'null'], maxLength: 4096 } as const;
const settings = {
  public: { type: 'boolean' },
  maxSize: { type: ['integer', 'null'], minimum: 1, maximum: MAX_OBJECT_SIZE },
  allowedTypes: { type: ['array', 'null'], items: { type: 'string', maxLength: 255 }, maxItems: 100 },
  rules: { type: 'object', properties: { read: rule, write: rule }, additionalProperties: false },
} as const;
const bucketName = { type: 'string', minLength: 1, maxLength: 63 } as const;

/** A bucket as replies show it. */
export const bucketSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    public: { type: 'boolean' },
    maxSize: { type: ['integer', 'null'] },
    allowedTypes: { type: ['array', 'null'], items: { type: 'string' } },
    rules: {
      type: 'object',
      properties: { read: { type: ['string', 'null'] }, write: { type: ['string', 'null'] } },
      required: ['read', 'write'],
      additionalProperties: false,
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['name', 'public', 'maxSize', 'allowedTypes', 'rules', 'createdAt', 'updatedAt'],
  additionalProperties: false,
} as const;

const bucketParams = { type: 'object', properties: { bucket: bucketName }, required: ['bucket'] } as const;

/** Buckets of a project (`/storage/buckets`, service role): create, change, delete. */
export const bucketRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags: ['storage'],
      summary: 'List buckets (service role)',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: bucketSchema } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) },
    },
    handler: async (request) => ({ items: await listBuckets(request.ctx) }),
  });

  app.post('', {
    schema: {
      tags: ['storage'],
      summary: 'Create a bucket (service role)',
      body: { type: 'object', properties: { name: bucketName, ...settings }, required: ['name'], additionalProperties: false },
      response: { 201: bucketSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return createBucket(request.ctx, request.body);
    },
  });

  app.get('/:bucket', {
    schema: { tags: ['storage'], summary: 'Get a bucket (service role)', params: bucketParams, response: { 200: bucketSchema, ...errors(401, 403, 404) } },
    handler: async (request) => getBucket(request.ctx, request.params.bucket),
  });

  app.patch('/:bucket', {
    schema: {
      tags: ['storage'],
      summary: 'Change a bucket (service role); rules set to null lock them to the service role',
      params: bucketParams,
      body: { type: 'object', properties: settings, additionalProperties: false },
      response: { 200: bucketSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => updateBucket(request.ctx, request.params.bucket, request.body),
  });

  app.delete('/:bucket', {
    schema: {
      tags: ['storage'],
      summary: 'Delete a bucket (service role); 409 when it has objects unless ?force=true',
      params: bucketParams,
      querystring: { type: 'object', properties: { force: { type: 'boolean' } }, additionalProperties: false },
      response: { ...noContent, ...errors(401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await deleteBucket(request.ctx, request.params.bucket, request.query.force);
      reply.status(204).send(null);
    },
  });
};
