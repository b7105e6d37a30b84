import { sql } from 'drizzle-orm';
import type { Dialect } from '@baas/query';
import type { Database } from './database.ts';

/** One schema change: the statements for each engine, applied in one transaction. */
export interface Migration {
  version: number;
  statements(dialect: Dialect, table: (name: string) => string): string[];
}

/**
 * Brings a store up to date. Applied versions are recorded in `_migrations`;
 * each migration runs in its own transaction, so a failure leaves the store at
 * the last good version.
 */
export async function migrate(db: Database, migrations: Migration[], qualify: (name: string) => string): Promise<void> {
  await db.run(sql`CREATE TABLE IF NOT EXISTS ${db.table('_migrations')} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (await db.all<{ version: number }>(sql`SELECT version FROM ${db.table('_migrations')}`)).map((r) => Number(r.version)),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    await db.transaction(async (tx) => {
      // PostgreSQL: two processes migrating at once would race; the lock serializes them.
      if (tx.dialect === 'postgres') await tx.run(sql`SELECT pg_advisory_xact_lock(hashtext(${qualify('_migrations')}))`);
      const again = await tx.get(sql`SELECT 1 AS one FROM ${tx.table('_migrations')} WHERE version = ${m.version}`);
      if (again) return;
      for (const statement of m.statements(tx.dialect, qualify)) await tx.run(sql.raw(statement));
      await tx.run(sql`INSERT INTO ${tx.table('_migrations')} (version, applied_at) VALUES (${m.version}, ${new Date().toISOString()})`);
    });
  }
}

/** Quotes an identifier the way both engines accept. Only for names we control. */
export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
