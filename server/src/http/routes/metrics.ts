import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../../crypto.ts';
import { actorOf, bearerToken, requireAdmin } from '../plugins/actor.ts';
import { errors, type Routes } from '../schemas.ts';

/**
 * `GET /v1/metrics`: the Prometheus text of the instance, for an instance
 * admin or the configured `metricsToken` (what a scraper is given: it can
 * read the metrics and nothing else).
 */
export const metricsRoutes: Routes = async (app) => {
  const services = app.baas;
  const { metricsToken } = services.config;
  // Compared as hashes: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
  const expected = metricsToken ? Buffer.from(hashSecret(metricsToken), 'hex') : undefined;
  app.get('/v1/metrics', {
    schema: {
      tags: ['instance'],
      summary: 'Prometheus metrics (an admin token or the metrics token)',
      response: { 200: { type: 'string' }, ...errors(401, 403) },
    },
    handler: async (request, reply) => {
      const token = bearerToken(request);
      const isScraper = expected !== undefined && token !== undefined && timingSafeEqual(Buffer.from(hashSecret(token), 'hex'), expected);
      if (!isScraper) requireAdmin(await actorOf(request, services));
      return reply.type(services.metrics.contentType).send(await services.metrics.text());
    },
  });
};
