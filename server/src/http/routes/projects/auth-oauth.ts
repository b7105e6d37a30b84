import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../../errors.ts';
import { callbackUrl, completeAuthorization, exchangeSignInCode, startAuthorization, stateCookieName, STATE_TTL_SECONDS, type OAuthContext } from '../../../services/auth/oauth/flow.ts';
import { publicUrlOf } from '../../../config.ts';
import { deleteProvider, listProviders, publicProvider, putProvider, type ProviderInput } from '../../../services/auth/oauth/providers.ts';
import { requireServiceRole } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';
import { sessionReply } from './auth-schemas.ts';

const providerName = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,39}$' } as const;
const providerParams = { type: 'object', properties: { project: projectId, name: providerName } } as const;
const flowParams = { type: 'object', properties: { project: projectId, provider: providerName } } as const;

const providerReply = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['oidc', 'google', 'github'] },
    clientId: { type: 'string' },
    clientSecretHint: { type: 'string' },
    issuer: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    callbackUrl: { type: 'string', description: 'register this redirect URI at the provider' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['name', 'kind'],
} as const;

const providerBody = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['oidc', 'google', 'github'] },
    clientId: { type: 'string', minLength: 1, maxLength: 500 },
    clientSecret: { type: 'string', minLength: 1, maxLength: 2000 },
    issuer: { type: 'string', minLength: 1, maxLength: 2000 },
    scopes: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
    enabled: { type: 'boolean' },
  },
  required: ['kind', 'clientId'],
  additionalProperties: false,
} as const;

/** `publicUrl`, else the address the server listens on: what browsers and providers are sent to. */
function baseUrlOf(app: FastifyInstance): string {
  return publicUrlOf(app.baas.config);
}

function oauthContext(app: FastifyInstance, request: FastifyRequest): OAuthContext {
  return { db: request.project!.db, project: request.project!, baseUrl: baseUrlOf(app) };
}

/** The state cookie lives under the provider's flow routes only, so it reaches the callback and nothing else. */
function stateCookie(app: FastifyInstance, project: string, provider: string, state: string, maxAge: number): string {
  const base = new URL(baseUrlOf(app));
  const path = `${base.pathname.replace(/\/+$/, '')}/v1/projects/${project}/auth/oauth/${provider}/`;
  // SameSite=Lax: the provider's redirect back is a top-level GET navigation, which Lax cookies follow.
  const secure = base.protocol === 'https:' ? '; Secure' : '';
  return `${stateCookieName(state)}=1; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function hasCookie(request: FastifyRequest, name: string): boolean {
  return (request.headers.cookie ?? '').split(';').some((c) => c.trim().split('=')[0] === name);
}

/**
 * OAuth / OpenID Connect: provider configuration (service role), the browser
 * redirect flow (authorize -> provider -> callback -> app with a one-time
 * code) and the exchange of that code for a session.
 */
export function authOAuthRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/auth';

  app.get<{ Params: { project: string } }>(`${base}/providers`, {
    schema: {
      tags: ['auth'],
      summary: 'OAuth providers: the full configuration (secret as a hint) for the service role, enabled names and kinds for everyone else',
      params: { type: 'object', properties: { project: projectId } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: providerReply } } }, ...errors(401, 404) },
    },
    handler: async (request) => {
      const providers = await listProviders(request.project!.db);
      const privileged = request.actor.kind === 'admin' || request.actor.kind === 'service';
      // A login page needs to know which buttons to show; only the service role sees how they are configured.
      if (!privileged) return { items: providers.filter((p) => p.enabled).map((p) => ({ name: p.name, kind: p.kind })) };
      return { items: providers.map((p) => ({ ...publicProvider(p), callbackUrl: callbackUrl(baseUrlOf(app), request.project!.id, p.name) })) };
    },
  });

  app.put<{ Params: { project: string; name: string }; Body: ProviderInput }>(`${base}/providers/:name`, {
    preHandler: async (request) => requireServiceRole(request),
    schema: {
      tags: ['auth'],
      summary: 'Create or replace an OAuth provider (kind oidc needs issuer; google and github are presets). Omit clientSecret to keep the stored one.',
      params: providerParams,
      body: providerBody,
      response: { 200: providerReply, 201: providerReply, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { provider, created } = await putProvider(request.project!.db, request.params.name, request.body);
      reply.status(created ? 201 : 200);
      return { ...publicProvider(provider), callbackUrl: callbackUrl(baseUrlOf(app), request.project!.id, provider.name) };
    },
  });

  app.delete<{ Params: { project: string; name: string } }>(`${base}/providers/:name`, {
    preHandler: async (request) => requireServiceRole(request),
    schema: { tags: ['auth'], summary: 'Remove an OAuth provider (linked identities stay)', params: providerParams, response: errors(401, 403, 404) },
    handler: async (request, reply) => {
      if (!(await deleteProvider(request.project!.db, request.params.name))) throw new ApiError('not_found', `no OAuth provider '${request.params.name}'`);
      reply.status(204).send();
    },
  });

  app.get<{ Params: { project: string; provider: string }; Querystring: { redirectTo: string } }>(`${base}/oauth/:provider/authorize`, {
    schema: {
      tags: ['auth'],
      summary: 'Start a sign-in: 302 to the provider. redirectTo must be the site URL or an allowed redirect URL.',
      params: flowParams,
      querystring: { type: 'object', properties: { redirectTo: { type: 'string', minLength: 1, maxLength: 2048 } }, required: ['redirectTo'] },
      response: { 302: { type: 'null', description: 'to the provider' }, ...errors(400, 404) },
    },
    handler: async (request, reply: FastifyReply) => {
      const { url, state } = await startAuthorization(oauthContext(app, request), request.params.provider, request.query.redirectTo);
      reply.header('set-cookie', stateCookie(app, request.project!.id, request.params.provider, state, STATE_TTL_SECONDS));
      reply.header('cache-control', 'no-store');
      return reply.redirect(url, 302);
    },
  });

  app.get<{ Params: { project: string; provider: string }; Querystring: Record<string, string> }>(`${base}/oauth/:provider/callback`, {
    schema: {
      tags: ['auth'],
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
      const result = await completeAuthorization(oauthContext(app, request), request.params.provider, params);
      if (result.failure) request.log.warn({ err: result.failure, provider: request.params.provider }, 'OAuth sign-in failed');
      if (state) reply.header('set-cookie', stateCookie(app, request.project!.id, request.params.provider, state, 0));
      reply.header('cache-control', 'no-store');
      // The page the browser lands on must not leak the code to third parties through Referer.
      reply.header('referrer-policy', 'no-referrer');
      return reply.redirect(result.redirect, 302);
    },
  });

  app.post<{ Params: { project: string }; Body: { code: string } }>(`${base}/oauth/exchange`, {
    schema: {
      tags: ['auth'],
      summary: 'Trade the one-time code of the redirect back (valid 60 s, single use) for a session',
      params: { type: 'object', properties: { project: projectId } },
      body: { type: 'object', properties: { code: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['code'], additionalProperties: false },
      response: { 200: sessionReply, ...errors(400, 403, 404) },
    },
    handler: async (request) =>
      exchangeSignInCode(request.project!.db, request.project!, request.body.code, { userAgent: request.headers['user-agent'], ip: request.ip }),
  });
}
