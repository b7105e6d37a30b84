import { bearerToken } from '../../plugins/actor.ts';
import { errors, type Routes, noContent } from '../../schemas.ts';

/** An admin as the API shows it (also the login reply's `admin`). */
export const admin = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'email', 'createdAt'],
  additionalProperties: false,
} as const;

const session = {
  type: 'object',
  properties: { id: { type: 'string' }, createdAt: { type: 'string' }, expiresAt: { type: 'string' }, current: { type: 'boolean' } },
  required: ['id', 'createdAt', 'expiresAt', 'current'],
  additionalProperties: false,
} as const;

/**
 * The instance's admins (`/admins`: list, create, delete) and the caller's
 * own admin sessions (`/auth/sessions`, `/auth/logout`). Admins only.
 */
export const adminAdminRoutes: Routes = async (app) => {
  const services = app.baas;
  app.get('/admins', {
    schema: {
      tags: ['admin'],
      summary: 'List instance admins',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: admin } }, required: ['items'], additionalProperties: false }, ...errors(401, 403) },
    },
    handler: async () => ({ items: await services.admins.list() }),
  });

  app.post('/admins', {
    schema: {
      tags: ['admin'],
      summary: 'Create an instance admin',
      body: {
        type: 'object',
        properties: { email: { type: 'string', maxLength: 320 }, password: { type: 'string', maxLength: 1024 } },
        required: ['email', 'password'],
        additionalProperties: false,
      },
      response: { 201: admin, ...errors(400, 401, 403, 409) },
    },
    handler: async (request, reply) => {
      const created = await services.admins.create(request.body.email, request.body.password);
      reply.status(201);
      return created;
    },
  });

  app.delete('/admins/:id', {
    schema: {
      tags: ['admin'],
      summary: 'Delete an admin (by id or email) and their sessions; never the last one, and yourself only with force=true',
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 320 } }, required: ['id'] },
      querystring: { type: 'object', properties: { force: { type: 'boolean' } }, additionalProperties: false },
      response: { ...noContent, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const actorId = request.actor.kind === 'admin' ? request.actor.id : undefined;
      await services.admins.delete(request.params.id, { actorId, force: request.query.force === true });
      reply.status(204).send(null);
    },
  });

  app.post('/auth/logout', {
    schema: { tags: ['admin'], summary: 'End the current admin session (its token stops working)', response: { ...noContent, ...errors(401, 403) } },
    handler: async (request, reply) => {
      await services.admins.logout(bearerToken(request)!);
      reply.status(204).send(null);
    },
  });

  app.get('/auth/sessions', {
    schema: {
      tags: ['admin'],
      summary: "The caller's unexpired admin sessions, newest first",
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: session } }, required: ['items'], additionalProperties: false }, ...errors(401, 403) },
    },
    handler: async (request) => {
      const adminId = request.actor.kind === 'admin' ? request.actor.id : '';
      return { items: await services.admins.sessions(adminId, bearerToken(request)) };
    },
  });
};
