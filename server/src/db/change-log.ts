/**
 * The change log of a project (`_changes`, project-schema.ts): how a write
 * appends to it, how a collection's drop forgets its part, and how big it is.
 * It lives with the table in db/: services write it, realtime tails it
 * (realtime/change-feed.ts), and neither imports the other for it.
 */
import { sql } from 'drizzle-orm';
import type { ChangeAction, RecordData } from '@baas/protocol';
import type { Database } from './database.ts';
import { nowIso } from '../ids.ts';
import { fragmentText, ShapeCache } from './sql-text.ts';

// The change-log insert's text, written once per store's table (every record write runs it).
const shapes = new ShapeCache();

function changeInsert(tx: Database) {
  const table = tx.table('_changes');
  return shapes.get(fragmentText(table), () => sql`INSERT INTO ${table} (collection, record_id, action, record, previous, created_at)
    VALUES (${''}, ${''}, ${''}, ${''}, ${null}, ${''})`);
}

/** How many changes a project's log holds, and its newest seq: what the metrics report. */
export async function changeLogSize(db: Database): Promise<{ rows: number; latest: number }> {
  const row = await db.get<{ n: unknown; seq: unknown }>(sql`SELECT COUNT(*) AS n, MAX(seq) AS seq FROM ${db.table('_changes')}`);
  return { rows: Number(row?.n ?? 0), latest: Number(row?.seq ?? 0) };
}

/** The lock that keeps change-log sequence numbers in commit order. */
export const CHANGES_LOCK = 'changes';

const droppedKey = (collection: string) => `realtime.log_dropped_through:${collection}`;

/**
 * In a collection's drop, in its transaction: the log forgets the
 * collection's changes, and remembers the seq it forgot through. A `since`
 * from before it would otherwise replay the old collection's records — its
 * fields and data — to subscribers of a new collection of the same name,
 * judged by the new rules. The log's newest row stays (SQLite's rowid would
 * hand its seq out again), renamed to `_dropped` and emptied to its id.
 */
export async function forgetCollectionChanges(tx: Database, collection: string): Promise<void> {
  // Every change of the collection that will ever commit has a seq below what is read here.
  await tx.lockUntilCommit(CHANGES_LOCK);
  const changes = tx.table('_changes');
  const newest = Number((await tx.get<{ seq: unknown }>(sql`SELECT MAX(seq) AS seq FROM ${changes}`))?.seq ?? 0);
  await tx.run(sql`DELETE FROM ${changes} WHERE collection = ${collection} AND seq < ${newest}`);
  await tx.run(sql`UPDATE ${changes} SET collection = '_dropped', record = ${JSON.stringify({})}, previous = NULL WHERE collection = ${collection} AND seq = ${newest}`);
  await tx.run(sql`INSERT INTO ${tx.table('_settings')} (key, value) VALUES (${droppedKey(collection)}, ${JSON.stringify(newest)})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
}

/** The seq through which the log forgot a collection's changes (its last drop; 0 if never dropped). */
export async function droppedThrough(db: Database, collection: string): Promise<number> {
  const row = await db.get<{ value: string }>(sql`SELECT value FROM ${db.table('_settings')} WHERE key = ${droppedKey(collection)}`);
  return row ? Number(JSON.parse(row.value)) : 0;
}

/**
 * Appends a record write to the project's change log. Must run in the write's
 * transaction: the change exists exactly when the write does. The lock keeps
 * `seq` in commit order on PostgreSQL, so a reader resuming "since seq N" never
 * misses a change that commits later with a smaller seq.
 */
export async function logChange(
  tx: Database,
  collection: string,
  action: ChangeAction,
  record: RecordData,
  previous: RecordData | null,
): Promise<void> {
  await tx.lockUntilCommit(CHANGES_LOCK);
  const insert = changeInsert(tx).with([collection, record.id, action, JSON.stringify(record), previous ? JSON.stringify(previous) : null, nowIso()]);
  // Its seq comes from the insert: in a PostgreSQL commit group it runs with the group's
  // COMMIT (members in order), still under the lock, so seqs stay in commit order.
  await tx.deferUntilCommit(insert);
  // Delivered on commit, to every process: their change feeds read at once. One per
  // transaction however many changes it logs; the feeds read everything after their position.
  if (tx.project !== undefined) await tx.publish('changes', tx.project);
}
