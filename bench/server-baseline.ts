/**
 * The baseline of the records scenario: a plain Fastify app (logger off) on
 * better-sqlite3 with the same SQLite settings as a baas project store (WAL,
 * synchronous=NORMAL, foreign_keys, busy_timeout), a table of the same shape
 * with the same indexes, and one prepared statement per route. The same
 * package copies as the server (resolved from server/), the same id
 * generator, the same seed data; the routes are lib/baseline-routes.ts.
 * Run by bench/run.ts, not by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { newId } from '../server/src/ids.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { baselineRoutes, recordsPrefix } from './lib/baseline-routes.ts';
import { authorIds, authorName, authorOf, DATA_SEED, makeItem, prng, seedCount } from './lib/data.ts';
import { BetterSqlite3, Fastify, tableDdl } from './lib/server-deps.ts';

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
  // The DDL baas generates for the `authors` and `items` collections on SQLite.
  db.exec(`CREATE TABLE "authors" ("id" TEXT PRIMARY KEY, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL, "name" TEXT)`);
  db.exec(`CREATE TABLE "items" ("id" TEXT PRIMARY KEY, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL,
    "title" TEXT, "body" TEXT, "status" TEXT, "score" INTEGER, "owner" TEXT, "author" TEXT)`);
  db.exec(`CREATE INDEX "idx_items_status_score" ON "items" ("status" ASC, "score" DESC, "id" DESC)`);
  db.exec(`CREATE INDEX "idx_items_score" ON "items" ("score" ASC, "id" ASC)`);

  const insert = db.prepare<unknown[], Record<string, unknown>>(
    `INSERT INTO "items" ("id", "created_at", "updated_at", "title", "body", "status", "score", "owner", "author")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  );
  const byId = db.prepare<[string], Record<string, unknown>>(`SELECT * FROM "items" WHERE "id" = ?`);
  const list = db.prepare<[string, number], Record<string, unknown>>(`SELECT * FROM "items" WHERE "status" = ? ORDER BY "score" DESC LIMIT ?`);
  const count = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM "items" WHERE "status" = ?`);
  // One statement for any number of ids: the list goes in as a JSON array.
  const authors = db.prepare<[string], Record<string, unknown>>(`SELECT * FROM "authors" WHERE "id" IN (SELECT value FROM json_each(?))`);

  const count0 = seedCount();
  const random = prng(DATA_SEED);
  const ids: string[] = [];
  db.transaction(() => {
    const now = new Date().toISOString();
    const author = db.prepare(`INSERT INTO "authors" VALUES (?, ?, ?, ?)`);
    authorIds.forEach((id, i) => author.run(id, now, now, authorName(i)));
    for (let i = 0; i < count0; i++) {
      const item = makeItem(random, i);
      const now = new Date().toISOString();
      const row = insert.get([newId(), now, now, item.title, item.body, item.status, item.score, item.owner, authorOf(i)])!;
      ids.push(row.id as string);
    }
  })();

  const app = Fastify({ logger: false });
  onShutdown(() => app.close());
  baselineRoutes(app, {
    insert: (values) => insert.get(values)!,
    byId: (id) => byId.get(id),
    list: (status, limit) => list.all(status, limit),
    count: (status) => count.get(status)!.n,
    authors: (wanted) => authors.all(JSON.stringify(wanted)),
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as AddressInfo).port, { ids, prefix: recordsPrefix, ddl: [...tableDdl(db, 'authors'), ...tableDdl(db, 'items')] });
}

main().catch(fail);
