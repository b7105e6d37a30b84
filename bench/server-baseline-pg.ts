/**
 * The PostgreSQL baseline of the records scenario: a plain Fastify app
 * (logger off) on a bare `pg` pool of the same size as baas's (10), reading
 * and writing the very tables baas created (schema `BENCH_PG_SCHEMA`, in the
 * database `BENCH_DATABASE_URL` the scenario made for the run), so both sides
 * have the same rows and indexes. One named prepared statement per query, the
 * same SQL as the SQLite baseline; the routes are lib/baseline-routes.ts.
 * Run by bench/run.ts, not by hand.
 */
import type { AddressInfo } from 'node:net';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { baselineRoutes, recordsPrefix } from './lib/baseline-routes.ts';
import { Fastify, pg } from './lib/server-deps.ts';

const columns = '"id", "created_at", "updated_at", "title", "body", "status", "score", "owner", "author"';

async function main(): Promise<void> {
  runAsChild();
  const url = process.env.BENCH_DATABASE_URL;
  const schema = process.env.BENCH_PG_SCHEMA;
  if (!url || !schema) throw new Error('BENCH_DATABASE_URL and BENCH_PG_SCHEMA are required');
  const items = `"${schema}"."items"`;
  const authors = `"${schema}"."authors"`;
  // bigint (int8) holds integer fields; baas parses it to a number too.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  onShutdown(() => pool.end());
  const query = async (name: string, text: string, values: unknown[]) => (await pool.query({ name, text, values })).rows as Array<Record<string, unknown>>;

  const ids = (await query('ids', `SELECT "id" FROM ${items}`, [])).map((r) => r.id as string);
  const app = Fastify({ logger: false });
  onShutdown(() => app.close());
  baselineRoutes(app, {
    insert: async (values) =>
      (await query('insert', `INSERT INTO ${items} (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${columns}`, values))[0],
    byId: async (id) => (await query('by-id', `SELECT ${columns} FROM ${items} WHERE "id" = $1`, [id]))[0],
    list: (status, limit) => query('list', `SELECT ${columns} FROM ${items} WHERE "status" = $1 ORDER BY "score" DESC LIMIT $2`, [status, limit]),
    count: async (status) => Number((await query('count', `SELECT count(*) AS n FROM ${items} WHERE "status" = $1`, [status]))[0].n),
    authors: (wanted) => query('authors', `SELECT "id", "created_at", "updated_at", "name" FROM ${authors} WHERE "id" = ANY($1)`, [wanted]),
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, prefix: recordsPrefix });
}

main().catch(fail);
