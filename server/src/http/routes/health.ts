import { sql } from 'drizzle-orm';
import { ApiError } from '../../errors.ts';
import { noBearer } from '../openapi.ts';
import { errors, type Routes } from '../schemas.ts';

// Long enough for a healthy database under load, short enough for a balancer's probe.
const CHECK_TIMEOUT_MS = 2000;

/** Settles with the check's failure reason, or undefined when it passed in time. */
async function failure(check: () => Promise<unknown>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([check().then(() => undefined, (err: Error) => err?.message || String(err)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /v1/health`: readiness. 200 when this process can serve — the
 * database answers a query, and S3 (when configured) answers for the bucket —
 * each within a short timeout; else 503 `unavailable` naming what failed, so
 * a load balancer takes the process out of rotation instead of sending it
 * requests that would answer 500.
 */
export const healthRoutes: Routes = async (app) => {
  const services = app.baas;
  app.get('/v1/health', {
    schema: {
      tags: ['instance'],
      security: noBearer,
      summary: 'Readiness: the database (and S3 when configured) answer',
      response: {
        200: {
          type: 'object',
          properties: { status: { type: 'string' }, database: { type: 'string' } },
          required: ['status', 'database'],
          additionalProperties: false,
        },
        ...errors(503),
      },
    },
    handler: async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const checks: Array<[string, () => Promise<unknown>]> = [['database', () => services.instance.get(sql`SELECT 1 AS ok`)]];
      const ping = services.blobs.ping?.bind(services.blobs);
      if (ping) checks.push(['storage', ping]);
      const results = await Promise.all(checks.map(async ([name, check]) => ({ name, reason: await failure(check) })));
      const failing = results.filter((r) => r.reason !== undefined);
      if (failing.length) {
        throw new ApiError('unavailable', `this process cannot serve: ${failing.map((f) => `${f.name} (${f.reason})`).join(', ')}`, { failing });
      }
      return { status: 'ok', database: services.config.databaseUrl ? 'postgres' : 'sqlite' };
    },
  });
};
