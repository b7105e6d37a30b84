import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@baas/query';
import { ApiError } from '../../../errors.ts';
import { logIn, signInAnonymously, signUp, updateSelf, type SelfPatch } from '../../../services/auth/account.ts';
import { refreshSession, revokeSession } from '../../../services/auth/sessions.ts';
import { getUser, publicUser } from '../../../services/auth/users.ts';
import { errors } from '../../schemas.ts';
import { authUser, email, password, profileData, projectParams, sessionReply } from './auth-schemas.ts';

/** The signed-in user of a request: 401 for guests, 403 for the service role and admins (they have no user). */
export function requireUser(request: FastifyRequest): { user: AuthInfo; sessionId: string } {
  const actor = request.actor;
  if (actor.kind === 'user') return actor;
  throw actor.kind === 'guest'
    ? new ApiError('unauthorized', 'sign in: send a user access token')
    : new ApiError('forbidden', 'this route acts as a signed-in user; the service role has none');
}

/** Where a sign-in comes from, kept with the session for the user's session list. */
export function sessionMetaOf(request: FastifyRequest): { userAgent?: string; ip?: string } {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}

/** Sign-up, login, refresh, logout, anonymous sign-in and the caller's own account. */
export function authRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/auth';
  const tags = ['auth'];

  app.post<{ Body: { email: string; password: string; data?: Record<string, unknown> } }>(`${base}/signup`, {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      summary: 'Sign up with email and password; answers a session',
      params: projectParams,
      body: { type: 'object', properties: { email, password, data: profileData }, required: ['email', 'password'], additionalProperties: false },
      response: { 201: sessionReply, ...errors(400, 404, 409, 429) },
    },
    handler: async (request, reply) => {
      const session = await signUp(request.project!.db, request.project!, request.body, sessionMetaOf(request));
      reply.status(201);
      return session;
    },
  });

  app.post<{ Body: { email: string; password: string } }>(`${base}/login`, {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      summary: 'Log in with email and password',
      params: projectParams,
      body: { type: 'object', properties: { email, password }, required: ['email', 'password'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 401, 403, 404, 429) },
    },
    handler: async (request) => logIn(request.project!.db, request.project!, request.body, sessionMetaOf(request)),
  });

  app.post<{ Body: { refreshToken: string } }>(`${base}/refresh`, {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      summary: 'Exchange a refresh token for a new pair (the old one is spent; reusing it revokes the session)',
      params: projectParams,
      body: { type: 'object', properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['refreshToken'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 401, 404, 429) },
    },
    handler: async (request) => refreshSession(request.project!.db, request.project!, request.body.refreshToken),
  });

  app.post(`${base}/logout`, {
    schema: { tags, summary: 'End the current session', params: projectParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      const { user, sessionId } = requireUser(request);
      await revokeSession(request.project!.db, user.id, sessionId);
      reply.status(204).send();
    },
  });

  app.post<{ Body: { data?: Record<string, unknown> } }>(`${base}/anonymous`, {
    // Every field is optional, so a bodiless POST means "{}".
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags,
      summary: 'Sign in as a new anonymous user (upgrade later with PATCH /auth/user {email, password})',
      params: projectParams,
      body: { type: 'object', properties: { data: profileData }, additionalProperties: false },
      response: { 201: sessionReply, ...errors(400, 404, 429) },
    },
    handler: async (request, reply) => {
      const session = await signInAnonymously(request.project!.db, request.project!, request.body, sessionMetaOf(request));
      reply.status(201);
      return session;
    },
  });

  app.get(`${base}/user`, {
    schema: { tags, summary: 'The signed-in user', params: projectParams, response: { 200: authUser, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const { user } = requireUser(request);
      const row = await getUser(request.project!.db, user.id);
      if (!row) throw new ApiError('invalid_token', 'the user of this session no longer exists');
      return publicUser(row);
    },
  });

  app.patch<{ Body: SelfPatch }>(`${base}/user`, {
    schema: {
      tags,
      summary: 'Change the profile data or the password; upgrade an anonymous user with {email, password}',
      params: projectParams,
      body: {
        type: 'object',
        properties: { data: profileData, email, password, currentPassword: password },
        additionalProperties: false,
        minProperties: 1,
      },
      response: { 200: authUser, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const { user, sessionId } = requireUser(request);
      return updateSelf(request.project!.db, user.id, sessionId, request.body);
    },
  });
}
