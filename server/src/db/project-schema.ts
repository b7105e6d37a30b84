import type { Migration } from './migrate.ts';

/**
 * The system tables of one project. Their names start with `_`, which a
 * collection name never does, so user tables cannot collide with them.
 */
export const projectMigrations: Migration[] = [
  {
    version: 1,
    statements: (dialect, t) => {
      const json = dialect === 'postgres' ? 'jsonb' : 'TEXT';
      const bool = dialect === 'postgres' ? 'boolean' : 'INTEGER';
      const text = dialect === 'postgres' ? 'text COLLATE "C"' : 'TEXT';
      const seq = dialect === 'postgres' ? 'seq BIGSERIAL PRIMARY KEY' : 'seq INTEGER PRIMARY KEY AUTOINCREMENT';
      return [
        `CREATE TABLE ${t('_collections')} (name TEXT PRIMARY KEY, definition TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
        `CREATE TABLE ${t('_keys')} (id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`,
        // The users of the project; the auth module owns the rest of its columns.
        `CREATE TABLE ${t('_users')} (id ${text} PRIMARY KEY, email ${text} UNIQUE, verified ${bool} NOT NULL DEFAULT ${dialect === 'postgres' ? 'false' : '0'}, anonymous ${bool} NOT NULL DEFAULT ${dialect === 'postgres' ? 'false' : '0'}, role ${text}, data ${json}, password_hash TEXT, created_at ${text} NOT NULL, updated_at ${text} NOT NULL)`,
        // The change log: one row per record write, in the write's transaction (realtime reads it).
        `CREATE TABLE ${t('_changes')} (${seq}, collection TEXT NOT NULL, record_id TEXT NOT NULL, action TEXT NOT NULL, record ${json} NOT NULL, previous ${json}, created_at TEXT NOT NULL)`,
      ];
    },
  },
];
