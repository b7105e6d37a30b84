import { sql } from 'drizzle-orm';
import type { ChangeAction, RecordData } from '@baas/protocol';
import type { Database } from '../../db/database.ts';
import { PostgresDatabase } from '../../db/postgres.ts';
import { nowIso } from '../../ids.ts';

/** The PostgreSQL channel that carries `<schema>:<seq>` for every logged change (realtime's bus listens). */
export const CHANGES_CHANNEL = 'baas_changes';

const loggedListeners = new Set<() => void>();

/**
 * Calls `listener` (synchronously, inside the write's transaction) whenever
 * this process logs a change. Realtime's in-process bus uses it to wake its
 * change feeds on SQLite, whose reads queue behind the open transaction and so
 * see the change once it commits. Answers the unsubscribe function.
 */
export function onChangeLogged(listener: () => void): () => void {
  loggedListeners.add(listener);
  return () => loggedListeners.delete(listener);
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
  await tx.lockUntilCommit('changes');
  const insert = sql`INSERT INTO ${tx.table('_changes')} (collection, record_id, action, record, previous, created_at)
    VALUES (${collection}, ${record.id}, ${action}, ${JSON.stringify(record)}, ${previous ? JSON.stringify(previous) : null}, ${nowIso()})`;
  if (tx instanceof PostgresDatabase) {
    // A NOTIFY inside the transaction is delivered on commit (and dropped on rollback): exactly
    // when the change becomes readable, to every process listening. Same round trip as the insert.
    await tx.run(sql`WITH c AS (${insert} RETURNING seq) SELECT pg_notify(${CHANGES_CHANNEL}, ${`${tx.schema}:`} || c.seq) FROM c`);
  } else {
    await tx.run(insert);
  }
  for (const listener of loggedListeners) listener();
}
