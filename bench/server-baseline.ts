/**
 * The baseline of the records scenario: a plain Fastify app (logger off) on
 * better-sqlite3 with the same SQLite settings as a baas project store (WAL,
 * synchronous=NORMAL, foreign_keys, busy_timeout), a table of the same shape
 * with the same indexes, and one prepared statement per route. The same
 * package copies as the server (resolved from server/), the same id
 * generator, the same seed data. Run by bench/run.ts, not by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { newId } from '../server/src/ids.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { DATA_SEED, itemBodySchema, makeItem, prng, seedCount, type ItemInput } from './lib/data.ts';
import { BetterSqlite3, Fastify, tableDdl } from './lib/server-deps.ts';

const prefix = '/v1/projects/bench/collections/items/records';

async function main(): Promise<void> {
  runAsChild();
  const dir = mkdtempSync(join(tmpdir(), 'baas-bench-baseline-'));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));

  const db = new BetterSqlite3(join(dir, 'data.db'));
  onShutdown(() => db.close());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // The DDL baas generates for the `items` collection on SQLite.
  db.exec(`CREATE TABLE "items" ("id" TEXT PRIMARY KEY, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL,
    "title" TEXT, "body" TEXT, "status" TEXT, "score" INTEGER, "owner" TEXT)`);
  db.exec(`CREATE INDEX "idx_items_status_score" ON "items" ("status" ASC, "score" DESC, "id" DESC)`);
  db.exec(`CREATE INDEX "idx_items_score" ON "items" ("score" ASC, "id" ASC)`);

  const insert = db.prepare<[string, string, string, string, string | null, string | null, number | null, string | null], Record<string, unknown>>(
    `INSERT INTO "items" ("id", "created_at", "updated_at", "title", "body", "status", "score", "owner")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  );
  const byId = db.prepare<[string], Record<string, unknown>>(`SELECT * FROM "items" WHERE "id" = ?`);
  const list = db.prepare<[string, number], Record<string, unknown>>(`SELECT * FROM "items" WHERE "status" = ? ORDER BY "score" DESC LIMIT ?`);

  const count = seedCount();
  const random = prng(DATA_SEED);
  const ids: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const item = makeItem(random, i);
      const now = new Date().toISOString();
      const row = insert.get(newId(), now, now, item.title, item.body, item.status, item.score, item.owner)!;
      ids.push(row.id as string);
    }
  })();

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
      const row = insert.get(newId(), now, now, b.title!, b.body ?? null, b.status ?? null, b.score ?? null, b.owner ?? null);
      reply.status(201);
      return row;
    },
  });

  app.get<{ Params: { id: string } }>(`${prefix}/:id`, async (request, reply) => {
    const row = byId.get(request.params.id);
    if (!row) return reply.status(404).send({ error: { code: 'record_not_found', message: 'no such record' } });
    return row;
  });

  app.get<{ Querystring: { status: string; limit: number } }>(prefix, {
    schema: {
      querystring: {
        type: 'object',
        properties: { status: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
        required: ['status'],
      },
    },
    handler: async (request) => ({ items: list.all(request.query.status, request.query.limit ?? 30), nextCursor: null }),
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, prefix, ddl: tableDdl(db, 'items') });
}

main().catch(fail);
