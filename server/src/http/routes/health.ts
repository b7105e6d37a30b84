import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';

/** GET /v1/health: liveness plus which engine the instance runs on. */
export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/v1/health', {
    schema: {
      tags: ['instance'],
      summary: 'Liveness check',
      response: {
        200: {
          type: 'object',
          properties: { status: { type: 'string' }, database: { type: 'string' } },
          required: ['status', 'database'],
        },
      },
    },
    handler: async () => ({ status: 'ok', database: services.config.databaseUrl ? 'postgres' : 'sqlite' }),
  });
}
