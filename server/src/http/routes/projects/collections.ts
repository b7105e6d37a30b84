import { ApiError } from '../../../errors.ts';
import { createCollection, deleteCollection, getCollection, listCollections, updateCollection } from '../../../services/collections.ts';
import { collectionName, errors, type Routes, noContent } from '../../schemas.ts';

const params = { type: 'object', properties: { name: collectionName }, required: ['name'] } as const;
const one = { $ref: 'Collection#' } as const;

/**
 * A definition is validated by @baas/schema (normalizeCollection), which lists
 * every problem per path as `invalid_schema`. Letting Ajv check the body first
 * would answer some mistakes with another code and, worse, coerce others away
 * (`"name": 42` would become '42'). The JSON schema stays, for the OpenAPI
 * document. Params need no Ajv either: the project was resolved by the scope's
 * hook and a name that cannot exist is simply not found.
 */
const validatedByService = { validatorCompiler: () => () => true };

/** Collection definitions of a project (`/collections`, service role). */
export const collectionRoutes: Routes = async (app) => {
  app.get('', {
    schema: { tags: ['collections'], summary: 'List collections', response: { 200: { type: 'object', properties: { items: { type: 'array', items: one } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await listCollections(request.ctx) }),
  });

  app.post('', {
    ...validatedByService,
    schema: { tags: ['collections'], summary: 'Create a collection', body: one, response: { 201: one, ...errors(400, 401, 403, 404, 409) } },
    handler: async (request, reply) => {
      reply.status(201);
      return createCollection(request.ctx, request.body);
    },
  });

  app.get('/:name', {
    schema: { tags: ['collections'], summary: 'Get a collection', params, response: { 200: one, ...errors(401, 403, 404) } },
    handler: async (request) => getCollection(request.ctx, request.params.name),
  });

  app.patch('/:name', {
    ...validatedByService,
    schema: {
      tags: ['collections'],
      summary: 'Change a collection: rename it, add/rename/remove fields (a field keeps its id across a rename), change options, rules and indexes. Removing fields that hold data is refused (409 would_drop_data) unless drop names them',
      params,
      querystring: {
        type: 'object',
        properties: { drop: { type: 'string', description: 'comma-separated names of removed fields whose data may be deleted' } },
      },
      body: one,
      response: { 200: one, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      // The validator is off for this route (see validatedByService): check the one query parameter here.
      const drop: unknown = request.query.drop;
      if (drop !== undefined && typeof drop !== 'string') throw new ApiError('validation_failed', "'drop' must be a comma-separated list of field names");
      const fields = drop?.split(',').map((f) => f.trim()).filter(Boolean);
      return updateCollection(request.ctx, request.params.name, request.body, { drop: fields });
    },
  });

  app.delete('/:name', {
    schema: { tags: ['collections'], summary: 'Delete a collection and its records', params, response: { ...noContent, ...errors(401, 403, 404, 409) } },
    handler: async (request, reply) => {
      await deleteCollection(request.ctx, request.params.name);
      reply.status(204).send(null);
    },
  });
};
