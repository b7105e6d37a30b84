/**
 * The routes of both records baselines (better-sqlite3 and bare pg): what a
 * hand-written server does for the same requests, on a store that gives it
 * one prepared statement per query. Replies have baas's JSON shapes.
 */
import type { FastifyInstance } from '../../server/node_modules/fastify/fastify.js';
import { newId } from '../../server/src/ids.ts';
import { itemBodySchema, type ItemInput } from './data.ts';

type Row = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

/** The prepared statements of a baseline. */
export interface BaselineStore {
  insert(values: unknown[]): MaybePromise<Row>;
  byId(id: string): MaybePromise<Row | undefined>;
  list(status: string, limit: number): MaybePromise<Row[]>;
  count(status: string): MaybePromise<number>;
  /** `authors` rows by id (`WHERE id IN (...)`), for `expand=author`. */
  authors(ids: string[]): MaybePromise<Row[]>;
}

export const recordsPrefix = '/v1/projects/bench/collections/items/records';

export function baselineRoutes(app: FastifyInstance, store: BaselineStore): void {
  app.post<{ Body: Partial<ItemInput> & { author?: string | null } }>(recordsPrefix, {
    schema: { body: itemBodySchema },
    handler: async (request, reply) => {
      const b = request.body;
      // The create rule, `auth.id = null || owner = auth.id`, for the only caller there is: a guest.
      const authId: string | null = null;
      if (!(authId === null || b.owner === authId)) return reply.status(403).send({ error: { code: 'forbidden', message: 'create rule' } });
      const now = new Date().toISOString();
      const row = await store.insert([newId(), now, now, b.title!, b.body ?? null, b.status ?? null, b.score ?? null, b.owner ?? null, b.author ?? null]);
      reply.status(201);
      return row;
    },
  });

  app.get<{ Params: { id: string } }>(`${recordsPrefix}/:id`, async (request, reply) => {
    const row = await store.byId(request.params.id);
    if (!row) return reply.status(404).send({ error: { code: 'record_not_found', message: 'no such record' } });
    return row;
  });

  app.get<{ Querystring: { status: string; limit?: number; count?: boolean; expand?: string } }>(recordsPrefix, {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          status: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 500 },
          count: { type: 'boolean' },
          expand: { type: 'string', enum: ['author'] },
        },
        required: ['status'],
      },
    },
    handler: async (request) => {
      const { status, limit = 30, count, expand } = request.query;
      const items = await store.list(status, limit);
      if (expand) {
        const ids = [...new Set(items.map((r) => r.author).filter((a): a is string => typeof a === 'string'))];
        const authors = new Map((ids.length ? await store.authors(ids) : []).map((a) => [a.id as string, a]));
        for (const item of items) {
          const author = authors.get(item.author as string);
          if (author) item.expand = { author };
        }
      }
      const result: Row = { items, nextCursor: null };
      if (count) result.total = await store.count(status);
      return result;
    },
  });
}
