import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { errors } from '../../schemas.ts';
import { admin } from './admins.ts';

/** POST /v1/admin/auth/login: an instance admin's session token. */
export function adminAuthRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Body: { email: string; password: string } }>('/v1/admin/auth/login', {
    schema: {
      tags: ['admin'],
      summary: 'Sign in as an instance admin',
      body: {
        type: 'object',
        properties: { email: { type: 'string', maxLength: 320 }, password: { type: 'string', maxLength: 1024 } },
        required: ['email', 'password'],
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, admin },
          required: ['token', 'expiresAt', 'admin'],
        },
        ...errors(400, 401),
      },
    },
    handler: async (request) => services.admins.login(request.body.email, request.body.password),
  });
}
