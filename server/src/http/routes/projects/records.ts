import type { FastifyInstance } from 'fastify';
import { createRecord, deleteRecord, expandOne, getRecord, listRecords, updateRecord, type ListOptions } from '../../../services/records/index.ts';
import { MAX_LIMIT } from '../../../services/records/list.ts';
import { contextOf } from '../../plugins/actor.ts';
import { collectionName, errors, projectId, recordId, recordSerializer } from '../../schemas.ts';

type CollectionParams = { project: string; name: string };
type RecordParams = CollectionParams & { id: string };

const collectionParams = { type: 'object', properties: { project: projectId, name: collectionName } } as const;
const recordParams = { type: 'object', properties: { project: projectId, name: collectionName, id: recordId } } as const;
const shape = {
  expand: { type: 'string', maxLength: 1000, description: 'relation fields to expand: author,comments.author' },
  fields: { type: 'string', maxLength: 2000, description: 'fields to return: id,title' },
} as const;
const listQuery = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 4096, description: "rule-language filter: status = 'open' && votes > 3" },
    sort: { type: 'string', maxLength: 500, description: 'comma-separated fields, - for descending: -created_at,title' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    cursor: { type: 'string', maxLength: 4096 },
    page: { type: 'integer', minimum: 1 },
    perPage: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    count: { type: 'boolean' },
    ...shape,
  },
  additionalProperties: false,
} as const;
const body = { type: 'object', additionalProperties: true, maxProperties: 500 } as const;
const record = { $ref: 'Record#' } as const;

/** Records of a collection, under the collection's rules. */
export function recordRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/collections/:name/records';

  app.get<{ Params: CollectionParams; Querystring: ListOptions }>(base, {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'List records (list rule applies)',
      params: collectionParams,
      querystring: listQuery,
      response: {
        200: {
          type: 'object',
          properties: {
            items: { type: 'array', items: record },
            nextCursor: { type: ['string', 'null'] },
            total: { type: 'integer' },
            page: { type: 'integer' },
            perPage: { type: 'integer' },
          },
          required: ['items', 'nextCursor'],
        },
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => listRecords(contextOf(request), request.params.name, request.query),
  });

  app.post<{ Params: CollectionParams; Body: Record<string, unknown>; Querystring: { expand?: string } }>(base, {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Create a record (create rule applies); a client may supply the id',
      params: collectionParams,
      querystring: { type: 'object', properties: { expand: shape.expand }, additionalProperties: false },
      body,
      response: { 201: record, ...errors(400, 401, 403, 404, 409, 413) },
    },
    handler: async (request, reply) => {
      const ctx = contextOf(request);
      const created = await createRecord(ctx, request.params.name, request.body);
      reply.status(201);
      return expandOne(ctx, request.params.name, created, request.query.expand);
    },
  });

  app.get<{ Params: RecordParams; Querystring: { expand?: string; fields?: string } }>(`${base}/:id`, {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Get a record (view rule applies)',
      params: recordParams,
      querystring: { type: 'object', properties: shape, additionalProperties: false },
      response: { 200: record, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => getRecord(contextOf(request), request.params.name, request.params.id, request.query),
  });

  app.patch<{ Params: RecordParams; Body: Record<string, unknown>; Querystring: { expand?: string } }>(`${base}/:id`, {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Update fields of a record (update rule applies)',
      params: recordParams,
      querystring: { type: 'object', properties: { expand: shape.expand }, additionalProperties: false },
      body,
      response: { 200: record, ...errors(400, 401, 403, 404, 409, 413) },
    },
    handler: async (request) => {
      const ctx = contextOf(request);
      const updated = await updateRecord(ctx, request.params.name, request.params.id, request.body);
      return expandOne(ctx, request.params.name, updated, request.query.expand);
    },
  });

  app.delete<{ Params: RecordParams }>(`${base}/:id`, {
    ...recordSerializer,
    schema: { tags: ['records'], summary: 'Delete a record (delete rule applies)', params: recordParams, response: errors(401, 403, 404) },
    handler: async (request, reply) => {
      await deleteRecord(contextOf(request), request.params.name, request.params.id);
      reply.status(204).send();
    },
  });
}
