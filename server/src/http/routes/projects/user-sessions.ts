import { endSessionOfUser, endSessionsOfUser, sessionsOfUser } from '../../../services/auth/user-admin.ts';
import { errors, type Routes } from '../../schemas.ts';
import { sessionInfo } from './auth-sessions.ts';

const id = { type: 'string', maxLength: 64 } as const;

/** `/users/:id/sessions` (service role): a user's sessions, seen and ended by an admin (the user's own routes are `/auth/sessions`). */
export const userSessionRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags: ['users'],
      summary: "A user's unexpired sessions, newest first",
      params: { type: 'object', properties: { id }, required: ['id'] },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: sessionInfo } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) },
    },
    handler: async (request) => ({ items: await sessionsOfUser(request.ctx, request.params.id) }),
  });

  app.delete('', {
    schema: {
      tags: ['users'],
      summary: "End all of a user's sessions: their access and refresh tokens stop working at once",
      params: { type: 'object', properties: { id }, required: ['id'] },
      response: { 200: { type: 'object', properties: { revoked: { type: 'integer' } }, required: ['revoked'], additionalProperties: false }, ...errors(401, 403, 404) },
    },
    handler: async (request) => ({ revoked: await endSessionsOfUser(request.ctx, request.params.id) }),
  });

  app.delete('/:session', {
    schema: {
      tags: ['users'],
      summary: "End one of a user's sessions: its access and refresh tokens stop working at once",
      params: { type: 'object', properties: { id, session: id }, required: ['id', 'session'] },
      response: { 204: { type: 'null' }, ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await endSessionOfUser(request.ctx, request.params.id, request.params.session);
      reply.status(204).send(null);
    },
  });
};
