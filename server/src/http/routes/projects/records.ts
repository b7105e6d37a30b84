import { accessCollection, createRecord, deleteRecord, expandOne, getRecordOf, listRecordsOf } from '../../../services/records/index.ts';
import { updateRecord } from '../../../services/records/write.ts';
import { MAX_LIMIT } from '../../../services/records/list.ts';
import { collectionName, errors, recordId, recordSerializer, type Routes, noContent } from '../../schemas.ts';
import { listReplySerializer, recordReplySerializer } from '../../record-serializer.ts';

/** What Fastify sets for a JSON reply; a reply with its own serializer must say it (Fastify leaves it unset). */
const JSON_TYPE = 'application/json; charset=utf-8';
const collectionParams = { type: 'object', properties: { name: collectionName }, required: ['name'] } as const;
const recordParams = { type: 'object', properties: { name: collectionName, id: recordId }, required: ['name', 'id'] } as const;
const expand = { type: 'string', maxLength: 1000, description: 'relation fields to expand: author,comments.author' } as const;
const fields = { type: 'string', maxLength: 2000, description: 'fields to return: id,title' } as const;
const listQuery = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 4096, description: "rule-language filter: status = 'open' && votes > 3" },
    search: { type: 'string', maxLength: 500, description: 'full-text search: words match as prefixes, "quoted phrases" exactly; ranked unless sort is given' },
    highlight: { type: 'boolean', description: 'with search: _highlight holds HTML snippets of the matching fields, matches in <mark>' },
    sort: { type: 'string', maxLength: 500, description: 'comma-separated fields, - for descending: -created_at,title' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    cursor: { type: 'string', maxLength: 4096 },
    page: { type: 'integer', minimum: 1 },
    perPage: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    count: { type: 'boolean' },
    expand,
    fields,
  },
  additionalProperties: false,
} as const;
const readQuery = { type: 'object', properties: { expand, fields }, additionalProperties: false } as const;
const writeQuery = { type: 'object', properties: { expand }, additionalProperties: false } as const;
const body = { type: 'object', additionalProperties: true, maxProperties: 500 } as const;
const record = { $ref: 'Record#' } as const;
const list = {
  type: 'object',
  properties: {
    items: { type: 'array', items: record },
    nextCursor: { type: ['string', 'null'] },
    total: { type: 'integer' },
    page: { type: 'integer' },
    perPage: { type: 'integer' },
  },
  required: ['items', 'nextCursor'],
  additionalProperties: false,
} as const;

/** Records of a collection, under the collection's rules (`/collections/:name/records`). */
export const recordRoutes: Routes = async (app) => {
  app.get('', {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'List records (list rule applies)',
      params: collectionParams,
      querystring: listQuery,
      response: { 200: list, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const access = await accessCollection(request.ctx, request.params.name);
      const result = await listRecordsOf(request.ctx, access, request.query);
      // Set only once the list is read: an error reply keeps the error serializer.
      reply.type(JSON_TYPE).serializer(listReplySerializer(access.catalog, access.def));
      return result;
    },
  });

  app.post('', {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Create a record (create rule applies); a client may supply the id',
      params: collectionParams,
      querystring: writeQuery,
      body,
      response: { 201: record, ...errors(400, 401, 403, 404, 409, 413) },
    },
    handler: async (request, reply) => {
      const created = await createRecord(request.ctx, request.params.name, request.body);
      reply.status(201);
      return expandOne(request.ctx, request.params.name, created, request.query.expand);
    },
  });

  app.get('/:id', {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Get a record (view rule applies)',
      params: recordParams,
      querystring: readQuery,
      response: { 200: record, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const access = await accessCollection(request.ctx, request.params.name);
      const record = await getRecordOf(request.ctx, access, request.params.id, request.query);
      reply.type(JSON_TYPE).serializer(recordReplySerializer(access.catalog, access.def));
      return record;
    },
  });

  app.patch('/:id', {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Update fields of a record (update rule applies); 204 when the view rule hides the updated record from the caller',
      params: recordParams,
      querystring: writeQuery,
      body,
      response: { 200: record, 204: { type: 'null', description: 'updated; the view rule hides the record from the caller' }, ...errors(400, 401, 403, 404, 409, 413) },
    },
    handler: async (request, reply) => {
      const updated = await updateRecord(request.ctx, request.params.name, request.params.id, request.body);
      if (updated === null) return reply.status(204).send(null);
      return expandOne(request.ctx, request.params.name, updated, request.query.expand);
    },
  });

  app.delete('/:id', {
    ...recordSerializer,
    schema: { tags: ['records'], summary: 'Delete a record (delete rule applies)', params: recordParams, response: { ...noContent, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await deleteRecord(request.ctx, request.params.name, request.params.id);
      reply.status(204).send(null);
    },
  });
};
