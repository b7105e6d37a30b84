import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';

/**
 * Fixed-window hit counters in the instance database (`rate_limits`), shared
 * by every process: what http/plugins/rate-limit-store.ts counts abuse limits
 * with. Keys (addresses, emails) are stored hashed.
 */
export class RateCounters {
  constructor(private readonly db: Database) {}

  /** Counts a hit of `key` in its window (a new window once the last one ended); answers the count and the ms left. */
  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const now = Date.now();
    const hashed = createHash('sha256').update(key).digest('hex');
    const table = this.db.table('rate_limits');
    const row = await this.db.get<{ hits: number | string; reset_at: number | string }>(sql`INSERT INTO ${table} (key, hits, reset_at) VALUES (${hashed}, 1, ${now + windowMs})
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN ${table}.reset_at <= ${now} THEN 1 ELSE ${table}.hits + 1 END,
        reset_at = CASE WHEN ${table}.reset_at <= ${now} THEN ${now + windowMs} ELSE ${table}.reset_at END
      RETURNING hits, reset_at`);
    return { current: Number(row!.hits), ttl: Math.max(0, Number(row!.reset_at) - now) };
  }

  /** Deletes the counters whose window has ended. */
  async sweep(): Promise<void> {
    await this.db.run(sql`DELETE FROM ${this.db.table('rate_limits')} WHERE reset_at < ${Date.now()}`);
  }
}
