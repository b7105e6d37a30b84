import { noBearer } from '../../openapi.ts';
import { errors, type Routes } from '../../schemas.ts';
import { admin } from './admins.ts';

/** `POST /auth/login`: an instance admin's session token. */
export const adminLoginRoutes: Routes = async (app) => {
  const services = app.baas;
  app.post('', {
    schema: {
      tags: ['admin'],
      security: noBearer,
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
          additionalProperties: false,
        },
        ...errors(400, 401),
      },
    },
    handler: async (request) => services.admins.login(request.body.email, request.body.password),
  });
};
