/**
 * Fastify and better-sqlite3 as the server itself resolves them (bench/ is not
 * a workspace package): the baseline runs on the very same package copies.
 */
import { createRequire } from 'node:module';
import type fastifyModule from '../../server/node_modules/fastify/fastify.js';
import type BetterSqlite3Module from '../../server/node_modules/@types/better-sqlite3/index.js';
import type pgModule from '../../server/node_modules/@types/pg/index.js';

const requireFromServer = createRequire(new URL('../../server/package.json', import.meta.url));

export const Fastify: typeof fastifyModule = requireFromServer('fastify');
export const BetterSqlite3: typeof BetterSqlite3Module = requireFromServer('better-sqlite3');
export const pg: typeof pgModule = requireFromServer('pg');

/** A table's CREATE TABLE and CREATE INDEX statements, normalized (quotes, spacing), sorted. */
export function tableDdl(db: InstanceType<typeof BetterSqlite3Module>, table: string): string[] {
  const rows = db.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL`).all(table) as Array<{ sql: string }>;
  return rows.map((r) => r.sql.replace(/["`]/g, '').replace(/\s+/g, ' ').replace(/\( /g, '(').trim()).sort();
}
