import { noBearer } from '../../openapi.ts';
import { endOwnSession, ownSessions } from '../../../services/auth/account.ts';
import { publicJwks } from '../../../services/auth/signing-keys.ts';
import { requireUser } from '../../plugins/actor.ts';
import { errors, type Routes } from '../../schemas.ts';

export const sessionInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    method: { type: 'string' },
    userAgent: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    lastUsedAt: { type: 'string' },
    expiresAt: { type: 'string' },
    current: { type: 'boolean' },
  },
  required: ['id', 'method', 'userAgent', 'ip', 'createdAt', 'lastUsedAt', 'expiresAt', 'current'],
  additionalProperties: false,
} as const;

const jwk = { type: 'object', additionalProperties: true } as const;
const tags = ['auth'];

/** The caller's sessions and the project's public keys (`/auth`). */
export const authSessionRoutes: Routes = async (app) => {
  app.get('/sessions', {
    schema: { tags, summary: "The signed-in user's sessions", response: { 200: { type: 'object', properties: { items: { type: 'array', items: sessionInfo } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const { user, sessionId } = requireUser(request.ctx.actor);
      return { items: await ownSessions(request.ctx, user.id, sessionId) };
    },
  });

  app.delete('/sessions/:id', {
    schema: {
      tags,
      summary: 'End one of your own sessions (404 for anyone else\'s)',
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
      response: { 204: { type: 'null' }, ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { user } = requireUser(request.ctx.actor);
      await endOwnSession(request.ctx, user.id, request.params.id);
      reply.status(204).send(null);
    },
  });

  app.get('/jwks.json', {
    schema: {
      tags,
      security: noBearer,
      summary: 'The public keys that verify access tokens (JWKS): the active key and retired keys whose tokens may not have expired yet',
      response: { 200: { type: 'object', properties: { keys: { type: 'array', items: jwk } }, required: ['keys'], additionalProperties: false }, ...errors(404) },
    },
    handler: async (request, reply) => {
      // Short caching: verifiers re-fetch soon after a rotation, and on an unknown kid anyway.
      reply.header('cache-control', 'public, max-age=300');
      return publicJwks(request.ctx);
    },
  });
};
