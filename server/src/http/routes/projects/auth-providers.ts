import { ApiError } from '../../../errors.ts';
import { configuredProvider } from '../../../services/auth/oauth/flow.ts';
import { deleteProvider, putProvider } from '../../../services/auth/oauth/providers.ts';
import { errors, type Routes, noContent } from '../../schemas.ts';
import { providerName, providerReply } from './auth-schemas.ts';

const params = { type: 'object', properties: { name: providerName }, required: ['name'] } as const;
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

/** `/auth/providers/:name` (service role): configure the OAuth providers users sign in with. */
export const authProviderRoutes: Routes = async (app) => {
  app.put('/:name', {
    schema: {
      tags: ['auth'],
      summary: 'Create or replace an OAuth provider (kind oidc needs issuer; google and github are presets). Omit clientSecret to keep the stored one.',
      params,
      body: providerBody,
      response: { 200: providerReply, 201: providerReply, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const { provider, created } = await putProvider(request.ctx, request.params.name, request.body);
      reply.status(created ? 201 : 200);
      return configuredProvider(request.ctx, provider);
    },
  });

  app.delete('/:name', {
    schema: { tags: ['auth'], summary: 'Remove an OAuth provider (linked identities stay)', params, response: { ...noContent, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      if (!(await deleteProvider(request.ctx, request.params.name))) throw new ApiError('provider_not_found', `no OAuth provider '${request.params.name}'`);
      reply.status(204).send(null);
    },
  });
};
