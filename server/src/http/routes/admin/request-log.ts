import type { RequestLogQuery } from '@baas/protocol';
import { errors, type Routes } from '../../schemas.ts';

const filters = {
  project: { type: 'string', maxLength: 100 },
  status: { type: 'string', pattern: '^([1-5][0-9][0-9]|[1-5]xx)$', description: 'a status (404) or a class (5xx)' },
  route: { type: 'string', maxLength: 500, description: 'a route pattern, as entries show it' },
  actor: { type: 'string', enum: ['admin', 'service', 'user', 'guest'] },
  from: { type: 'string', format: 'date-time', description: 'from this time (inclusive)' },
  to: { type: 'string', format: 'date-time', description: 'to this time (exclusive)' },
} as const;

const entry = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    requestId: { type: 'string' },
    method: { type: 'string' },
    route: { type: 'string' },
    url: { type: 'string' },
    status: { type: 'integer' },
    ms: { type: 'number' },
    project: { type: ['string', 'null'] },
    actor: { type: 'string' },
  },
  required: ['id', 'at', 'requestId', 'method', 'route', 'url', 'status', 'ms', 'project', 'actor'],
  additionalProperties: false,
} as const;

const minute = {
  type: 'object',
  properties: {
    minute: { type: 'string' },
    requests: { type: 'integer' },
    rate: { type: 'number' },
    errors: { type: 'integer' },
    errorRate: { type: 'number' },
    p50: { type: 'number' },
    p99: { type: 'number' },
  },
  required: ['minute', 'requests', 'rate', 'errors', 'errorRate', 'p50', 'p99'],
  additionalProperties: false,
} as const;

/** The filters of a query string (the rest: paging). */
const queryOf = (q: RequestLogQuery): RequestLogQuery => ({ project: q.project, status: q.status, route: q.route, actor: q.actor, from: q.from, to: q.to });

/**
 * The request log (`/request-log`, admins only), for the dashboard's Logs
 * page: the entries with filters, newest first, and per-minute aggregates.
 */
export const adminRequestLogRoutes: Routes = async (app) => {
  const log = app.baas.requestLog;
  const tags = ['admin'];

  app.get('', {
    schema: {
      tags,
      summary: 'Recorded requests matching the filters, newest first',
      querystring: {
        type: 'object',
        properties: { ...filters, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, cursor: { type: 'string', pattern: '^[0-9]{1,18}$' } },
        required: ['limit'],
        additionalProperties: false,
      },
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: entry }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'], additionalProperties: false },
        ...errors(400, 401, 403),
      },
    },
    handler: async (request) => log.list(queryOf(request.query), request.query.limit, request.query.cursor),
  });

  app.get('/stats', {
    schema: {
      tags,
      summary: 'Per-minute request count, rate, 5xx error rate, p50 and p99 latency of the recorded requests matching the filters (default: the last hour)',
      querystring: { type: 'object', properties: filters, additionalProperties: false },
      response: {
        200: { type: 'object', properties: { minutes: { type: 'array', items: minute }, sampleRate: { type: 'number' } }, required: ['minutes', 'sampleRate'], additionalProperties: false },
        ...errors(400, 401, 403),
      },
    },
    handler: async (request) => {
      const query = queryOf(request.query);
      query.from ??= new Date((query.to ? Date.parse(query.to) : Date.now()) - 3_600_000).toISOString();
      return log.stats(query);
    },
  });
};
