import { ApiError } from '../../../errors.ts';
import { listSessions, revokeSession, revokeUserSessions } from '../../../services/auth/sessions.ts';
import { getUser } from '../../../services/auth/users.ts';
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
    handler: async (request) => {
      if (!(await getUser(request.ctx.db, request.params.id))) throw new ApiError('user_not_found', `no user '${request.params.id}'`);
      return { items: await listSessions(request.ctx.db, request.params.id) };
    },
  });

  app.delete('', {
    schema: {
      tags: ['users'],
      summary: "End all of a user's sessions: their access and refresh tokens stop working at once",
      params: { type: 'object', properties: { id }, required: ['id'] },
      response: { 200: { type: 'object', properties: { revoked: { type: 'integer' } }, required: ['revoked'], additionalProperties: false }, ...errors(401, 403, 404) },
    },
    handler: async (request) => {
      if (!(await getUser(request.ctx.db, request.params.id))) throw new ApiError('user_not_found', `no user '${request.params.id}'`);
      return { revoked: await revokeUserSessions(request.ctx.db, request.params.id) };
    },
  });

  app.delete('/:session', {
    schema: {
      tags: ['users'],
      summary: "End one of a user's sessions: its access and refresh tokens stop working at once",
      params: { type: 'object', properties: { id, session: id }, required: ['id', 'session'] },
      response: { 204: { type: 'null' }, ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      if (!(await revokeSession(request.ctx.db, request.params.id, request.params.session))) {
        throw new ApiError('session_not_found', `no session '${request.params.session}' of user '${request.params.id}'`);
      }
      reply.status(204).send(null);
    },
  });
};
