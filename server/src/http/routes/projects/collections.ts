import type { FastifyInstance } from 'fastify';
import { collectionsService } from '../../../services/collections.ts';
import { contextOf, requireServiceRole } from '../../plugins/actor.ts';
import { collectionName, errors, projectId } from '../../schemas.ts';

const params = { type: 'object', properties: { project: projectId, name: collectionName } } as const;
const one = { $ref: 'Collection#' } as const;
type Params = { project: string; name: string };

/**
 * A definition is validated by @baas/schema (normalizeCollection), which lists
 * every problem per path as `invalid_schema`. Letting Ajv check the body first
 * would answer some mistakes with another code and, worse, coerce others away
 * (`"name": 42` would become '42'). The JSON schema stays, for the OpenAPI
 * document. Params need no Ajv either: the project was resolved by the actor
 * hook and a name that cannot exist is simply not found.
 */
const validatedByService = { validatorCompiler: () => () => true };

/** Collection definitions of a project (admins and the service role). */
export function collectionRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/collections';
  const guard = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };

  app.get(base, {
    ...guard,
    schema: { tags: ['collections'], summary: 'List collections', response: { 200: { type: 'object', properties: { items: { type: 'array', items: one } } }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await collectionsService.list(contextOf(request)) }),
  });

  app.post(base, {
    ...guard,
    ...validatedByService,
    schema: { tags: ['collections'], summary: 'Create a collection', body: { $ref: 'Collection#' }, response: { 201: one, ...errors(400, 401, 403, 404, 409) } },
    handler: async (request, reply) => {
      reply.status(201);
      return collectionsService.create(contextOf(request), request.body);
    },
  });

  app.get<{ Params: Params }>(`${base}/:name`, {
    ...guard,
    schema: { tags: ['collections'], summary: 'Get a collection', params, response: { 200: one, ...errors(401, 403, 404) } },
    handler: async (request) => collectionsService.get(contextOf(request), request.params.name),
  });

  app.patch<{ Params: Params }>(`${base}/:name`, {
    ...guard,
    ...validatedByService,
    schema: {
      tags: ['collections'],
      summary: 'Change a collection: rename it, add/rename/remove fields (a field keeps its id across a rename), change options, rules and indexes',
      params,
      body: { $ref: 'Collection#' },
      response: { 200: one, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => collectionsService.update(contextOf(request), request.params.name, request.body),
  });

  app.delete<{ Params: Params }>(`${base}/:name`, {
    ...guard,
    schema: { tags: ['collections'], summary: 'Delete a collection and its records', params, response: errors(401, 403, 404, 409) },
    handler: async (request, reply) => {
      await collectionsService.delete(contextOf(request), request.params.name);
      reply.status(204).send();
    },
  });
}
