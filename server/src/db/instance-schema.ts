import type { Migration } from './migrate.ts';

/** The instance store: admins, their sessions, the project registry, settings. */
export const instanceMigrations: Migration[] = [
  {
    version: 1,
    statements: (_dialect, t) => [
      `CREATE TABLE ${t('admins')} (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('admin_sessions')} (id TEXT PRIMARY KEY, admin_id TEXT NOT NULL REFERENCES ${t('admins')}(id) ON DELETE CASCADE, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('projects')} (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('settings')} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
  {
    // The history of backup runs: what the admin API lists and the dashboard shows.
    version: 2,
    statements: (dialect, t) => [
      `CREATE TABLE ${t('backups')} (id TEXT PRIMARY KEY, file TEXT NOT NULL, scope TEXT NOT NULL, project TEXT, trigger TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, size ${dialect === 'postgres' ? 'bigint' : 'INTEGER'}, error TEXT)`,
      `CREATE INDEX "backups_started" ON ${t('backups')} (started_at)`,
    ],
  },
];
