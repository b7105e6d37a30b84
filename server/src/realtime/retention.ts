import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';

const PRUNED_KEY = 'realtime.log_pruned_through';

/** How long the change log keeps changes; 0 = no limit of that kind. */
export interface Retention {
  seconds: number;
  rows: number;
}

/**
 * The highest seq retention has deleted (0 if none): a `since` below it asks
 * for changes the log no longer holds.
 */
export async function prunedThrough(db: Database): Promise<number> {
  const row = await db.get<{ value: string }>(sql`SELECT value FROM ${db.table('_settings')} WHERE key = ${PRUNED_KEY}`);
  return row ? Number(JSON.parse(row.value)) : 0;
}

/**
 * Deletes the changes older than the retention allows, and records how far it
 * deleted. Always keeps the newest change: on SQLite seq is a plain rowid,
 * which an empty table would hand out again. Answers the number deleted.
 */
export async function pruneChangeLog(db: Database, retention: Retention): Promise<number> {
  return db.transaction(async (tx) => {
    const changes = tx.table('_changes');
    const newest = Number((await tx.get<{ seq: unknown }>(sql`SELECT MAX(seq) AS seq FROM ${changes}`))?.seq ?? 0);
    if (newest === 0) return 0;
    let through = 0;
    if (retention.rows > 0) through = Math.max(through, newest - retention.rows);
    if (retention.seconds > 0) {
      const cutoff = new Date(Date.now() - retention.seconds * 1000).toISOString();
      const old = await tx.get<{ seq: unknown }>(sql`SELECT MAX(seq) AS seq FROM ${changes} WHERE created_at < ${cutoff}`);
      through = Math.max(through, Number(old?.seq ?? 0));
    }
    through = Math.min(through, newest - 1);
    if (through <= (await prunedThrough(tx))) return 0;
    const { changes: deleted } = await tx.run(sql`DELETE FROM ${changes} WHERE seq <= ${through}`);
    await tx.run(sql`INSERT INTO ${tx.table('_settings')} (key, value) VALUES (${PRUNED_KEY}, ${JSON.stringify(through)})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    return deleted;
  });
}
