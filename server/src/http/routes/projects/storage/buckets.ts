import type { FastifyInstance } from 'fastify';
import { bucketsService, MAX_OBJECT_SIZE, type BucketInput } from '../../../../services/storage/buckets.ts';
import type { Services } from '../../../../services/index.ts';
import { contextOf, requireServiceRole } from '../../../plugins/actor.ts';
import { errors, projectId } from '../../../schemas.ts';

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
    rules: { type: 'object', properties: { read: { type: ['string', 'null'] }, write: { type: ['string', 'null'] } } },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['name', 'public', 'maxSize', 'allowedTypes', 'rules', 'createdAt', 'updatedAt'],
} as const;

/** Buckets of a project: the service role creates, changes and deletes them. */
export function bucketRoutes(app: FastifyInstance, services: Services): void {
  const base = '/v1/projects/:project/storage/buckets';
  const params = { type: 'object', properties: { project: projectId } } as const;
  const bucketParams = { type: 'object', properties: { project: projectId, bucket: bucketName } } as const;
  const guard = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };

  app.get(base, {
    ...guard,
    schema: { tags: ['storage'], summary: 'List buckets (service role)', params, response: { 200: { type: 'object', properties: { items: { type: 'array', items: bucketSchema } } }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await bucketsService.list(contextOf(request)) }),
  });

  app.post<{ Body: BucketInput & { name: string } }>(base, {
    ...guard,
    schema: {
      tags: ['storage'],
      summary: 'Create a bucket (service role)',
      params,
      body: { type: 'object', properties: { name: bucketName, ...settings }, required: ['name'], additionalProperties: false },
      response: { 201: bucketSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return bucketsService.create(contextOf(request), request.body);
    },
  });

  app.get<{ Params: { bucket: string } }>(`${base}/:bucket`, {
    ...guard,
    schema: { tags: ['storage'], summary: 'Get a bucket (service role)', params: bucketParams, response: { 200: bucketSchema, ...errors(401, 403, 404) } },
    handler: async (request) => bucketsService.get(contextOf(request), request.params.bucket),
  });

  app.patch<{ Params: { bucket: string }; Body: Omit<BucketInput, 'name'> }>(`${base}/:bucket`, {
    ...guard,
    schema: {
      tags: ['storage'],
      summary: 'Change a bucket (service role); rules set to null lock them to the service role',
      params: bucketParams,
      body: { type: 'object', properties: settings, additionalProperties: false },
      response: { 200: bucketSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => bucketsService.update(contextOf(request), request.params.bucket, request.body),
  });

  app.delete<{ Params: { bucket: string }; Querystring: { force?: boolean } }>(`${base}/:bucket`, {
    ...guard,
    schema: {
      tags: ['storage'],
      summary: 'Delete a bucket (service role); 409 when it has objects unless ?force=true',
      params: bucketParams,
      querystring: { type: 'object', properties: { force: { type: 'boolean' } }, additionalProperties: false },
      response: errors(401, 403, 404, 409),
    },
    handler: async (request, reply) => {
      await bucketsService.delete(contextOf(request), services.blobs, request.params.bucket, request.query.force);
      reply.status(204).send();
    },
  });
}
