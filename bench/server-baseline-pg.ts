/**
 * The PostgreSQL baseline of the records scenario: a plain Fastify app
 * (logger off) on a bare `pg` pool of the same size as baas's (10), reading
 * and writing the very table baas created (`BENCH_PG_TABLE`, in the database
 * `BENCH_DATABASE_URL` the scenario made for the run), so both sides have the
 * same rows and indexes. One named prepared statement per route, the same
 * SQL as the SQLite baseline. Run by bench/run.ts, not by hand.
 */
import type { AddressInfo } from 'node:net';
import { newId } from '../server/src/ids.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { itemBodySchema, type ItemInput } from './lib/data.ts';
import { Fastify, pg } from './lib/server-deps.ts';

const prefix = '/v1/projects/bench/collections/items/records';
const columns = '"id", "created_at", "updated_at", "title", "body", "status", "score", "owner"';

async function main(): Promise<void> {
  runAsChild();
  const url = process.env.BENCH_DATABASE_URL;
  const table = process.env.BENCH_PG_TABLE;
  if (!url || !table) throw new Error('BENCH_DATABASE_URL and BENCH_PG_TABLE are required');
  // bigint (int8) holds integer fields; baas parses it to a number too.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  onShutdown(() => pool.end());

  const ids = (await pool.query<{ id: string }>(`SELECT "id" FROM ${table}`)).rows.map((r) => r.id);
  const app = Fastify({ logger: false });
  onShutdown(() => app.close());

  app.post<{ Body: Partial<ItemInput> }>(prefix, {
    schema: { body: itemBodySchema },
    handler: async (request, reply) => {
      const b = request.body;
      // The create rule, `auth.id = null || owner = auth.id`, for the only caller there is: a guest.
      const authId: string | null = null;
      if (!(authId === null || b.owner === authId)) return reply.status(403).send({ error: { code: 'forbidden', message: 'create rule' } });
      const now = new Date().toISOString();
      const { rows } = await pool.query({
        name: 'insert',
        text: `INSERT INTO ${table} (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
        values: [newId(), now, now, b.title!, b.body ?? null, b.status ?? null, b.score ?? null, b.owner ?? null],
      });
      reply.status(201);
      return rows[0];
    },
  });

  app.get<{ Params: { id: string } }>(`${prefix}/:id`, async (request, reply) => {
    const { rows } = await pool.query({ name: 'by-id', text: `SELECT ${columns} FROM ${table} WHERE "id" = $1`, values: [request.params.id] });
    if (!rows[0]) return reply.status(404).send({ error: { code: 'record_not_found', message: 'no such record' } });
    return rows[0];
  });

  app.get<{ Querystring: { status: string; limit: number } }>(prefix, {
    schema: {
      querystring: {
        type: 'object',
        properties: { status: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
        required: ['status'],
      },
    },
    handler: async (request) => {
      const { rows } = await pool.query({
        name: 'list',
        text: `SELECT ${columns} FROM ${table} WHERE "status" = $1 ORDER BY "score" DESC LIMIT $2`,
        values: [request.query.status, request.query.limit ?? 30],
      });
      return { items: rows, nextCursor: null };
    },
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, prefix });
}

main().catch(fail);
