import { noBearer } from '../../openapi.ts';
import { logIn, logOut, ownUser, refreshTokens, signInAnonymously, signUp, updateSelf } from '../../../services/auth/account.ts';
import { requireUser, sessionMetaOf } from '../../plugins/actor.ts';
import { errors, type Routes } from '../../schemas.ts';
import { authUser, email, password, profileData, sessionReply } from './auth-schemas.ts';

const tags = ['auth'];

/** Sign-up, login, refresh, logout, anonymous sign-in and the caller's own account (`/auth`). */
export const authRoutes: Routes = async (app) => {
  app.post('/signup', {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      security: noBearer,
      summary: 'Sign up with email and password; answers a session',
      body: { type: 'object', properties: { email, password, data: profileData }, required: ['email', 'password'], additionalProperties: false },
      response: { 201: sessionReply, ...errors(400, 404, 409, 429) },
    },
    handler: async (request, reply) => {
      const session = await signUp(request.ctx, request.body, sessionMetaOf(request));
      reply.status(201);
      return session;
    },
  });

  app.post('/login', {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      security: noBearer,
      summary: 'Log in with email and password',
      body: { type: 'object', properties: { email, password }, required: ['email', 'password'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 401, 403, 404, 429) },
    },
    handler: async (request) => logIn(request.ctx, request.body, sessionMetaOf(request)),
  });

  app.post('/refresh', {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      security: noBearer,
      summary: 'Exchange a refresh token for a new pair (the old one is spent; reusing it revokes the session)',
      body: { type: 'object', properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['refreshToken'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 401, 404, 429) },
    },
    handler: async (request) => refreshTokens(request.ctx, request.body.refreshToken),
  });

  app.post('/logout', {
    schema: { tags, summary: 'End the current session', response: { 204: { type: 'null' }, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      const { user, sessionId } = requireUser(request.ctx.actor);
      await logOut(request.ctx, user.id, sessionId);
      reply.status(204).send(null);
    },
  });

  app.post('/anonymous', {
    // Every field is optional, so a bodiless POST means "{}".
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags,
      security: noBearer,
      summary: 'Sign in as a new anonymous user (upgrade later with PATCH /auth/user {email, password})',
      body: { type: 'object', properties: { data: profileData }, additionalProperties: false },
      response: { 201: sessionReply, ...errors(400, 404, 429) },
    },
    handler: async (request, reply) => {
      const session = await signInAnonymously(request.ctx, request.body, sessionMetaOf(request));
      reply.status(201);
      return session;
    },
  });

  app.get('/user', {
    schema: { tags, summary: 'The signed-in user', response: { 200: authUser, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const { user } = requireUser(request.ctx.actor);
      return ownUser(request.ctx, user.id);
    },
  });

  app.patch('/user', {
    schema: {
      tags,
      summary: 'Change the profile data or the password; upgrade an anonymous user with {email, password}',
      body: {
        type: 'object',
        properties: { data: profileData, email, password, currentPassword: password },
        additionalProperties: false,
        minProperties: 1,
      },
      response: { 200: authUser, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const { user, sessionId } = requireUser(request.ctx.actor);
      return updateSelf(request.ctx, user.id, sessionId, request.body);
    },
  });
};
