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
];
