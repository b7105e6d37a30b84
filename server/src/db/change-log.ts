import { sql } from 'drizzle-orm';
import type { Database } from './database.ts';

/**
 * How many changes a project's log (`_changes`, project-schema.ts) holds, and
 * its newest seq: what the metrics report. It lives with the table in db/,
 * so the services' wiring reads it without importing realtime/ (a layer above).
 */
export async function changeLogSize(db: Database): Promise<{ rows: number; latest: number }> {
  const row = await db.get<{ n: unknown; seq: unknown }>(sql`SELECT COUNT(*) AS n, MAX(seq) AS seq FROM ${db.table('_changes')}`);
  return { rows: Number(row?.n ?? 0), latest: Number(row?.seq ?? 0) };
}
