import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../../errors.ts';
import { keysService } from '../../../services/keys.ts';
import { requireServiceRole } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';

const key = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'name', 'prefix', 'createdAt'],
} as const;

/** Secret keys of a project (service role): list, create (secret shown once), revoke. */
export function keyRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/keys';
  const params = { type: 'object', properties: { project: projectId } } as const;
  const guard = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };

  app.get(base, {
    ...guard,
    schema: { tags: ['keys'], summary: 'List secret keys (without secrets)', params, response: { 200: { type: 'object', properties: { items: { type: 'array', items: key } } }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await keysService.list(request.project!.db) }),
  });

  app.post<{ Body: { name?: string } }>(base, {
    ...guard,
    // Every field is optional, so a bodiless POST (`baas keys create`) means "{}", not a 400.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags: ['keys'],
      summary: 'Create a secret key; the secret is shown only in this reply',
      params,
      body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }, additionalProperties: false },
      response: { 201: { type: 'object', properties: { ...key.properties, secret: { type: 'string' } } }, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return keysService.create(request.project!.db, request.body.name ?? 'key');
    },
  });

  app.delete<{ Params: { project: string; id: string } }>(`${base}/:id`, {
    ...guard,
    schema: { tags: ['keys'], summary: 'Revoke a secret key', params: { type: 'object', properties: { project: projectId, id: { type: 'string', maxLength: 64 } } }, response: errors(401, 403, 404) },
    handler: async (request, reply) => {
      if (!(await keysService.revoke(request.project!.db, request.params.id))) throw new ApiError('not_found', `no key '${request.params.id}'`);
      reply.status(204).send();
    },
  });
}
