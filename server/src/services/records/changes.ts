import { sql } from 'drizzle-orm';
import type { ChangeAction, RecordData } from '@baas/protocol';
import type { Database } from '../../db/database.ts';
import { nowIso } from '../../ids.ts';

/** The lock that keeps change-log sequence numbers in commit order. */
export const CHANGES_LOCK = 'changes';

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
  const insert = sql`INSERT INTO ${tx.table('_changes')} (collection, record_id, action, record, previous, created_at)
    VALUES (${collection}, ${record.id}, ${action}, ${JSON.stringify(record)}, ${previous ? JSON.stringify(previous) : null}, ${nowIso()})`;
  await tx.run(insert);
  // Delivered on commit, to every process: their change feeds read at once. One per
  // transaction however many changes it logs; the feeds read everything after their position.
  if (tx.project !== undefined) await tx.publish('changes', tx.project);
}
