import { outboxOf } from '../../../services/auth/outbox.ts';
import { errors, type Routes } from '../../schemas.ts';

const entry = {
  type: 'object',
  properties: {
    id: { type: 'string' }, to: { type: 'string' }, subject: { type: 'string' }, text: { type: 'string' }, html: { type: ['string', 'null'] },
    createdAt: { type: 'string' }, sentAt: { type: ['string', 'null'] }, error: { type: ['string', 'null'] },
  },
  required: ['id', 'to', 'subject', 'text', 'html', 'createdAt', 'sentAt', 'error'],
  additionalProperties: false,
} as const;

/** `/auth/outbox` (service role): the auth emails of the project, for local development and the dashboard. */
export const authOutboxRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags: ['auth: email'],
      summary: 'The latest auth emails of the project, newest first (service role; for local development and the dashboard)',
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }, required: ['limit'], additionalProperties: false },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: entry } }, required: ['items'], additionalProperties: false }, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => ({ items: await outboxOf(request.ctx, request.query.limit) }),
  });
};
