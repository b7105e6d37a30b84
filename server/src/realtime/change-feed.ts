import { sql } from 'drizzle-orm';
import type { ChangeAction, RecordData } from '@baas/protocol';
import type { Database, DbRow } from '../db/database.ts';
import type { ChangeEvent } from './judge.ts';

/** Rows read per query: bounds memory and lets fan-out start before a long backlog is read. */
export const PAGE_SIZE = 500;
/** The safety net: a feed reads at least this often, in case a wake was lost (e.g. while the bus reconnected). */
const POLL_MS = 1000;

/** Reads up to `limit` changes after `since`, oldest first; optionally of one collection (and record). */
export async function readChanges(
  db: Database,
  since: number,
  options: { collection?: string; recordId?: string; limit?: number } = {},
): Promise<ChangeEvent[]> {
  const where = [sql`seq > ${since}`];
  if (options.collection !== undefined) where.push(sql`collection = ${options.collection}`);
  if (options.recordId !== undefined) where.push(sql`record_id = ${options.recordId}`);
  const rows = await db.all<DbRow>(sql`SELECT seq, collection, action, record, previous FROM ${db.table('_changes')}
    WHERE ${sql.join(where, sql` AND `)} ORDER BY seq LIMIT ${options.limit ?? PAGE_SIZE}`);
  return rows.map((row) => ({
    seq: Number(row.seq),
    collection: row.collection as string,
    action: row.action as ChangeAction,
    record: json(row.record) as RecordData,
    previous: row.previous === null ? null : (json(row.previous) as RecordData),
  }));
}

/** The newest seq of the log (0 when empty). */
export async function latestSeq(db: Database): Promise<number> {
  const row = await db.get<{ seq: unknown }>(sql`SELECT MAX(seq) AS seq FROM ${db.table('_changes')}`);
  return Number(row?.seq ?? 0);
}

// jsonb arrives parsed on PostgreSQL, TEXT on SQLite.
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/**
 * Follows one project's change log: reads every change after its position,
 * in seq order, and hands each batch to `deliver` (awaited, so deliveries stay
 * in order). Woken by the bus; polls as a safety net. Reads never overlap: a
 * wake during a read makes the loop read again.
 */
export class ChangeFeed {
  /** The seq of the last change handed to `deliver`. */
  position = 0;
  private reading = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    /** `alone`: the change is the only one of its read (nothing else will be delivered with it). */
    private readonly deliver: (change: ChangeEvent, alone: boolean) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    /** Called after each batch is delivered (the hub writes the queued frames). */
    private readonly afterBatch: () => void = () => {},
  ) {}

  /** Starts at the end of the log: a feed delivers what is written from now on. */
  async start(): Promise<void> {
    this.position = await latestSeq(this.db);
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Reads now (or right after the read in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await readChanges(this.db, this.position);
          for (const change of batch) {
            if (this.stopped) return;
            await this.deliver(change, batch.length === 1);
            this.position = change.seq;
          }
          if (batch.length) this.afterBatch();
          if (batch.length < PAGE_SIZE) break;
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.onError(err);
    } finally {
      this.reading = false;
    }
  }
}
