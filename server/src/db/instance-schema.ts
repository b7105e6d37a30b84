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
  {
    // The request log (services/request-log.ts): `at` in ms since the epoch, so minutes and ranges are arithmetic.
    version: 3,
    statements: (dialect, t) => {
      const [id, int, real] = dialect === 'postgres' ? ['bigserial PRIMARY KEY', 'bigint', 'double precision'] : ['INTEGER PRIMARY KEY', 'INTEGER', 'REAL'];
      return [
        `CREATE TABLE ${t('request_log')} (id ${id}, at ${int} NOT NULL, request_id TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, url TEXT NOT NULL, status ${int} NOT NULL, ms ${real} NOT NULL, project TEXT, actor TEXT NOT NULL)`,
        `CREATE INDEX "request_log_at" ON ${t('request_log')} (at)`,
        `CREATE INDEX "request_log_project_at" ON ${t('request_log')} (project, at)`,
      ];
    },
  },
  {
    // Abuse-limit counters shared by every process (services/rate-counters.ts): key hashed, reset_at in ms.
    version: 4,
    statements: (dialect, t) => [
      `CREATE TABLE ${t('rate_limits')} (key TEXT PRIMARY KEY, hits ${dialect === 'postgres' ? 'bigint' : 'INTEGER'} NOT NULL, reset_at ${dialect === 'postgres' ? 'bigint' : 'INTEGER'} NOT NULL)`,
    ],
  },
  {
    // Realtime channel members of every process (realtime/channel-relay.ts): a row per member, kept alive by its process's heartbeat.
    version: 5,
    statements: (dialect, t) => [
      `CREATE TABLE ${t('channel_members')} (project TEXT NOT NULL, channel TEXT NOT NULL, member TEXT NOT NULL, process TEXT NOT NULL, entry TEXT NOT NULL, expires_at ${dialect === 'postgres' ? 'bigint' : 'INTEGER'} NOT NULL, PRIMARY KEY (project, channel, member))`,
      `CREATE INDEX "channel_members_expires" ON ${t('channel_members')} (expires_at)`,
    ],
  },
];
