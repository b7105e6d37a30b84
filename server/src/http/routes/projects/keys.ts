import { ApiError } from '../../../errors.ts';
import { createKey, listKeys, revokeKey } from '../../../services/keys.ts';
import { errors, type Routes, noContent } from '../../schemas.ts';

const key = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'name', 'prefix', 'createdAt'],
  additionalProperties: false,
} as const;

/** Secret keys of a project (`/keys`, service role): list, create (secret shown once), revoke. */
export const keyRoutes: Routes = async (app) => {
  app.get('', {
    schema: { tags: ['keys'], summary: 'List secret keys (without secrets)', response: { 200: { type: 'object', properties: { items: { type: 'array', items: key } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await listKeys(request.ctx) }),
  });

  app.post('', {
    // Every field is optional, so a bodiless POST (`baas keys create`) means "{}", not a 400.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags: ['keys'],
      summary: 'Create a secret key; the secret is shown only in this reply',
      body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }, additionalProperties: false },
      response: {
        201: { type: 'object', properties: { ...key.properties, secret: { type: 'string' } }, required: [...key.required, 'secret'], additionalProperties: false },
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return createKey(request.ctx, request.body.name ?? 'key');
    },
  });

  app.delete('/:id', {
    schema: { tags: ['keys'], summary: 'Revoke a secret key', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] }, response: { ...noContent, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      if (!(await revokeKey(request.ctx, request.params.id))) throw new ApiError('key_not_found', `no key '${request.params.id}'`);
      reply.status(204).send(null);
    },
  });
};
