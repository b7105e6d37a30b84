import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { requireAdmin } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';

const project = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'name', 'createdAt'],
} as const;

/** The instance's projects: list, create (with its first secret key), delete. Admins only. */
export function adminProjectRoutes(app: FastifyInstance, services: Services): void {
  app.get('/v1/admin/projects', {
    schema: {
      tags: ['admin'],
      summary: 'List projects',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: project } }, required: ['items'] }, ...errors(401, 403) },
    },
    preHandler: async (request) => requireAdmin(request),
    handler: async () => ({ items: await services.projects.list() }),
  });

  app.post<{ Body: { id: string; name?: string } }>('/v1/admin/projects', {
    schema: {
      tags: ['admin'],
      summary: 'Create a project; its secret key is shown only in this reply',
      body: {
        type: 'object',
        properties: { id: { type: 'string', maxLength: 40 }, name: { type: 'string', maxLength: 200 } },
        required: ['id'],
        additionalProperties: false,
      },
      response: {
        201: {
          type: 'object',
          properties: {
            project,
            keys: {
              type: 'array',
              items: {
                type: 'object',
                properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, secret: { type: 'string' }, createdAt: { type: 'string' } },
              },
            },
          },
        },
        ...errors(400, 401, 403, 409),
      },
    },
    preHandler: async (request) => requireAdmin(request),
    handler: async (request, reply) => {
      reply.status(201);
      return services.projects.create(request.body.id, request.body.name);
    },
  });

  app.delete<{ Params: { project: string } }>('/v1/admin/projects/:project', {
    schema: { tags: ['admin'], summary: 'Delete a project and all its data', params: { type: 'object', properties: { project: projectId } }, response: errors(401, 403, 404) },
    preHandler: async (request) => requireAdmin(request),
    handler: async (request, reply) => {
      await services.projects.delete(request.params.project);
      reply.status(204).send();
    },
  });
}
