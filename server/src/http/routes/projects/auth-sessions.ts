import type { FastifyInstance } from 'fastify';
import type { AuthSettings } from '@baas/protocol';
import { ApiError } from '../../../errors.ts';
import { listSessions, revokeSession } from '../../../services/auth/sessions.ts';
import { getAuthSettings, updateAuthSettings } from '../../../services/auth/settings.ts';
import { publicJwks, rotateSigningKey } from '../../../services/auth/signing-keys.ts';
import { requireServiceRole } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';
import { projectParams } from './auth-schemas.ts';
import { requireUser } from './auth.ts';

const sessionInfo = {
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
} as const;

const httpUrl = { type: 'string', maxLength: 2000 } as const;
const settingsProperties = {
  siteUrl: { type: ['string', 'null'], maxLength: 2000 },
  redirectUrls: { type: 'array', items: httpUrl, maxItems: 100 },
  accessTokenTtl: { type: 'integer' },
  refreshTokenTtl: { type: 'integer' },
  passwordMinLength: { type: 'integer' },
  emailTokenTtl: { type: 'integer' },
} as const;
const settingsSchema = { type: 'object', properties: settingsProperties, required: Object.keys(settingsProperties) } as const;

const jwk = { type: 'object', additionalProperties: true } as const;

/** The caller's sessions, the project's public keys and key rotation, and the auth settings. */
export function authSessionRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/auth';
  const tags = ['auth'];
  const serviceRole = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };

  app.get(`${base}/sessions`, {
    schema: { tags, summary: "The signed-in user's sessions", params: projectParams, response: { 200: { type: 'object', properties: { items: { type: 'array', items: sessionInfo } } }, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const { user, sessionId } = requireUser(request);
      return { items: await listSessions(request.project!.db, user.id, sessionId) };
    },
  });

  app.delete<{ Params: { project: string; id: string } }>(`${base}/sessions/:id`, {
    schema: {
      tags,
      summary: 'End one of your own sessions (404 for anyone else\'s)',
      params: { type: 'object', properties: { project: projectId, id: { type: 'string', maxLength: 64 } } },
      response: { 204: { type: 'null' }, ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { user } = requireUser(request);
      if (!(await revokeSession(request.project!.db, user.id, request.params.id))) throw new ApiError('not_found', `no session '${request.params.id}'`);
      reply.status(204).send();
    },
  });

  app.get(`${base}/jwks.json`, {
    schema: {
      tags,
      summary: 'The public keys that verify access tokens (JWKS): the active key and retired keys whose tokens may not have expired yet',
      params: projectParams,
      response: { 200: { type: 'object', properties: { keys: { type: 'array', items: jwk } } }, ...errors(404) },
    },
    handler: async (request, reply) => {
      // Short caching: verifiers re-fetch soon after a rotation, and on an unknown kid anyway.
      reply.header('cache-control', 'public, max-age=300');
      return publicJwks(request.project!.db);
    },
  });

  app.post(`${base}/keys/rotate`, {
    ...serviceRole,
    schema: {
      tags,
      summary: 'Make a new signing key; the old ones keep verifying until their tokens expire',
      params: projectParams,
      response: { 200: { type: 'object', properties: { kid: { type: 'string' }, retired: { type: 'array', items: { type: 'string' } } } }, ...errors(401, 403, 404) },
    },
    handler: async (request) => rotateSigningKey(request.project!.db),
  });

  app.get(`${base}/settings`, {
    ...serviceRole,
    schema: { tags, summary: 'The auth settings of the project', params: projectParams, response: { 200: settingsSchema, ...errors(401, 403, 404) } },
    handler: async (request) => getAuthSettings(request.project!.db),
  });

  app.patch<{ Body: Partial<AuthSettings> }>(`${base}/settings`, {
    ...serviceRole,
    schema: {
      tags,
      summary: 'Change auth settings (durations in seconds)',
      params: projectParams,
      body: { type: 'object', properties: settingsProperties, additionalProperties: false },
      response: { 200: settingsSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => updateAuthSettings(request.project!.db, request.body),
  });
}
