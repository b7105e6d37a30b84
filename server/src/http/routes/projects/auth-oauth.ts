import { noBearer } from '../../openapi.ts';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../../errors.ts';
import { completeAuthorization, exchangeSignInCode, startAuthorization, stateCookieName, STATE_TTL_SECONDS, visibleProviders } from '../../../services/auth/oauth/flow.ts';
import { sessionMetaOf } from '../../plugins/actor.ts';
import { errors, type Routes } from '../../schemas.ts';
import { providerName, providerReply, sessionReply } from './auth-schemas.ts';

const flowParams = { type: 'object', properties: { provider: providerName }, required: ['provider'] } as const;

/** The state cookie lives under the provider's flow routes only, so it reaches the callback and nothing else. */
function stateCookie(request: FastifyRequest, provider: string, state: string, maxAge: number): string {
  const base = new URL(request.ctx.publicUrl);
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/projects/${request.ctx.project.id}/auth/oauth/${provider}/`;
  // SameSite=Lax: the provider's redirect back is a top-level GET navigation, which Lax cookies follow.
  const secure = base.protocol === 'https:' ? '; Secure' : '';
  return `${stateCookieName(state)}=1; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function hasCookie(request: FastifyRequest, name: string): boolean {
  return (request.headers.cookie ?? '').split(';').some((c) => c.trim().split('=')[0] === name);
}

/**
 * OAuth / OpenID Connect (`/auth`): the providers a login page may offer,
 * the browser redirect flow (authorize -> provider -> callback -> app with a
 * one-time code) and the exchange of that code for a session. Configuring
 * providers is the service role's (auth-providers.ts).
 */
export const authOAuthRoutes: Routes = async (app) => {
  app.get('/providers', {
    schema: {
      tags: ['auth'],
      summary: 'OAuth providers: the full configuration (secret as a hint) for the service role, enabled names and kinds for everyone else',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: providerReply } }, required: ['items'], additionalProperties: false }, ...errors(401, 404) },
    },
    handler: async (request) => ({ items: await visibleProviders(request.ctx) }),
  });

  app.get('/oauth/:provider/authorize', {
    schema: {
      tags: ['auth'],
      security: noBearer,
      summary: 'Start a sign-in: 302 to the provider. redirectTo must be the site URL or an allowed redirect URL.',
      params: flowParams,
      querystring: { type: 'object', properties: { redirectTo: { type: 'string', minLength: 1, maxLength: 2048 } }, required: ['redirectTo'] },
      response: { 302: { type: 'null', description: 'to the provider' }, ...errors(400, 404) },
    },
    handler: async (request, reply) => {
      const { url, state } = await startAuthorization(request.ctx, request.params.provider, request.query.redirectTo);
      reply.header('set-cookie', stateCookie(request, request.params.provider, state, STATE_TTL_SECONDS));
      reply.header('cache-control', 'no-store');
      return reply.redirect(url, 302);
    },
  });

  app.get('/oauth/:provider/callback', {
    schema: {
      tags: ['auth'],
      security: noBearer,
      summary: "The provider's redirect back: 302 to the app with a one-time `code` (or `error`). Unknown, used or expired state: 400.",
      params: flowParams,
      response: { 302: { type: 'null', description: 'to the app' }, ...errors(400, 404) },
    },
    handler: async (request, reply) => {
      const params = new URLSearchParams(request.url.split('?')[1] ?? '');
      const state = params.get('state');
      if (state && !hasCookie(request, stateCookieName(state))) {
        throw new ApiError('oauth_failed', 'this sign-in was not started in this browser: start it again', { reason: 'state_not_bound' });
      }
      const result = await completeAuthorization(request.ctx, request.params.provider, params);
      if (result.failure) request.log.warn({ err: result.failure, provider: request.params.provider }, 'OAuth sign-in failed');
      if (state) reply.header('set-cookie', stateCookie(request, request.params.provider, state, 0));
      reply.header('cache-control', 'no-store');
      // The page the browser lands on must not leak the code to third parties through Referer.
      reply.header('referrer-policy', 'no-referrer');
      return reply.redirect(result.redirect, 302);
    },
  });

  app.post('/oauth/exchange', {
    schema: {
      tags: ['auth'],
      security: noBearer,
      summary: 'Trade the one-time code of the redirect back (valid 60 s, single use) for a session',
      body: { type: 'object', properties: { code: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['code'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 403, 404) },
    },
    handler: async (request) => exchangeSignInCode(request.ctx, request.body.code, sessionMetaOf(request)),
  });
};
