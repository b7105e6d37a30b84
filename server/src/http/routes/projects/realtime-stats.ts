import { errors, type Routes } from '../../schemas.ts';

const count = { type: 'integer', minimum: 0 } as const;

/** `/realtime/stats` (service role): the project's live realtime load on the process that answers. */
export const realtimeStatsRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags: ['realtime'],
      summary: 'Open connections, their record subscriptions and the channels in use, on this process',
      response: {
        200: { type: 'object', properties: { connections: count, subscriptions: count, channels: count }, required: ['connections', 'subscriptions', 'channels'], additionalProperties: false },
        ...errors(401, 403, 404),
      },
    },
    handler: async (request) => app.baas.realtime.stats(request.ctx.project.id),
  });
};
