import { noBearer } from '../openapi.ts';
import type { Routes } from '../schemas.ts';

/** `GET /v1/health`: liveness plus which engine the instance runs on. */
export const healthRoutes: Routes = async (app) => {
  const services = app.baas;
  app.get('/v1/health', {
    schema: {
      tags: ['instance'],
      security: noBearer,
      summary: 'Liveness check',
      response: {
        200: {
          type: 'object',
          properties: { status: { type: 'string' }, database: { type: 'string' } },
          required: ['status', 'database'],
          additionalProperties: false,
        },
      },
    },
    handler: async () => ({ status: 'ok', database: services.config.databaseUrl ? 'postgres' : 'sqlite' }),
  });
};
