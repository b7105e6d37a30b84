import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from '../db/sqlite.ts';

/** What a store copy holds besides its rows: for the manifest and the blob copy. */
export interface StoreSnapshot {
  migration: number;
  /** The blob keys its `_objects` rows point at (project stores only). */
  blobKeys: string[];
}

/**
 * A consistent copy of a SQLite store in `file` (the online backup API), made
 * self-contained: cached image variants are left out (they are rebuilt on
 * demand), and the copy is one file in rollback-journal mode.
 */
export async function snapshotSqlite(db: SqliteDatabase, file: string, kind: 'instance' | 'project'): Promise<StoreSnapshot> {
  await db.backupTo(file);
  const copy = new BetterSqlite3(file);
  try {
    copy.pragma('journal_mode = DELETE');
    const migration = Number((copy.prepare('SELECT max(version) AS v FROM _migrations').get() as { v: number }).v);
    if (kind === 'instance') return { migration, blobKeys: [] };
    copy.prepare('DELETE FROM _object_variants').run();
    copy.exec('VACUUM');
    const blobKeys = (copy.prepare('SELECT blob_key FROM _objects ORDER BY blob_key').all() as Array<{ blob_key: string }>).map((r) => r.blob_key);
    return { migration, blobKeys };
  } finally {
    copy.close();
  }
}
