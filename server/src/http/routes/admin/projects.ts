import { errors, projectId, type Routes, noContent } from '../../schemas.ts';

const project = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'name', 'createdAt'],
  additionalProperties: false,
} as const;

/** The instance's projects (`/projects`): list, create (with its first secret key), delete. Admins only. */
export const adminProjectRoutes: Routes = async (app) => {
  const services = app.baas;
  app.get('', {
    schema: {
      tags: ['admin'],
      summary: 'List projects',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: project } }, required: ['items'], additionalProperties: false }, ...errors(401, 403) },
    },
    handler: async () => ({ items: await services.projects.list() }),
  });

  app.post('', {
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
                required: ['id', 'name', 'prefix', 'secret', 'createdAt'],
                additionalProperties: false,
              },
            },
          },
          required: ['project', 'keys'],
          additionalProperties: false,
        },
        ...errors(400, 401, 403, 409),
      },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return services.projects.create(request.body.id, request.body.name);
    },
  });

  app.delete('/:project', {
    schema: { tags: ['admin'], summary: 'Delete a project and all its data', params: { type: 'object', properties: { project: projectId }, required: ['project'] }, response: { ...noContent, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await services.projects.delete(request.params.project);
      reply.status(204).send(null);
    },
  });
};
