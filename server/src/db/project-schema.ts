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
      // SQLite: a plain rowid key (no AUTOINCREMENT, which costs a sqlite_sequence write per
      // commit). It never reuses a seq as long as the newest change row is never deleted:
      // log retention must always keep it.
      const seq = dialect === 'postgres' ? 'seq BIGSERIAL PRIMARY KEY' : 'seq INTEGER PRIMARY KEY';
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

/**
 * Auth: sessions with rotating refresh tokens, per-project signing keys,
 * single-use email tokens, the mail outbox, OAuth providers, states and linked
 * identities, and per-project settings.
 */
projectMigrations.push({
  version: 2,
  statements: (dialect, t) => {
    const bool = dialect === 'postgres' ? 'boolean' : 'INTEGER';
    const no = dialect === 'postgres' ? 'false' : '0';
    const int = dialect === 'postgres' ? 'bigint' : 'INTEGER';
    return [
      `ALTER TABLE ${t('_users')} ADD COLUMN disabled ${bool} NOT NULL DEFAULT ${no}`,
      `ALTER TABLE ${t('_users')} ADD COLUMN last_sign_in_at TEXT`,
      `CREATE TABLE ${t('_sessions')} (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES ${t('_users')}(id) ON DELETE CASCADE, method TEXT NOT NULL, user_agent TEXT, ip TEXT, created_at TEXT NOT NULL, last_used_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
      `CREATE INDEX "_sessions_user" ON ${t('_sessions')} (user_id)`,
      `CREATE TABLE ${t('_refresh_tokens')} (hash TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES ${t('_sessions')}(id) ON DELETE CASCADE, created_at TEXT NOT NULL, used_at TEXT)`,
      `CREATE INDEX "_refresh_tokens_session" ON ${t('_refresh_tokens')} (session_id)`,
      `CREATE TABLE ${t('_signing_keys')} (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at TEXT NOT NULL, retired_at TEXT)`,
      `CREATE TABLE ${t('_auth_tokens')} (id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT REFERENCES ${t('_users')}(id) ON DELETE CASCADE, email TEXT, token_hash TEXT NOT NULL UNIQUE, code_hash TEXT, redirect_to TEXT, attempts ${int} NOT NULL DEFAULT 0, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)`,
      `CREATE TABLE ${t('_outbox')} (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT, created_at TEXT NOT NULL, sent_at TEXT, error TEXT)`,
      `CREATE TABLE ${t('_oauth_providers')} (name TEXT PRIMARY KEY, kind TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('_oauth_states')} (state_hash TEXT PRIMARY KEY, provider TEXT NOT NULL, code_verifier TEXT NOT NULL, nonce TEXT, redirect_to TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('_identities')} (provider TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES ${t('_users')}(id) ON DELETE CASCADE, email TEXT, created_at TEXT NOT NULL, PRIMARY KEY (provider, subject))`,
      `CREATE TABLE ${t('_settings')} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ];
  },
});

/**
 * Storage: buckets (limits and rules) and object metadata; the bytes live in
 * the blob driver under a generated key. `_object_variants` tracks cached
 * image transforms, so overwriting or deleting an object removes them too.
 */
projectMigrations.push({
  version: 3,
  statements: (dialect, t) => {
    const bool = dialect === 'postgres' ? 'boolean' : 'INTEGER';
    const no = dialect === 'postgres' ? 'false' : '0';
    const int = dialect === 'postgres' ? 'bigint' : 'INTEGER';
    // Byte order on both engines, so keyset paging over paths agrees.
    const text = dialect === 'postgres' ? 'text COLLATE "C"' : 'TEXT';
    return [
      `CREATE TABLE ${t('_buckets')} (name ${text} PRIMARY KEY, public ${bool} NOT NULL DEFAULT ${no}, max_size ${int}, allowed_types TEXT, read_rule TEXT, write_rule TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      `CREATE TABLE ${t('_objects')} (bucket ${text} NOT NULL REFERENCES ${t('_buckets')}(name) ON DELETE CASCADE, path ${text} NOT NULL, size ${int} NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL, etag TEXT NOT NULL, owner TEXT, blob_key TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (bucket, path))`,
      `CREATE TABLE ${t('_object_variants')} (bucket ${text} NOT NULL, path ${text} NOT NULL, variant TEXT NOT NULL, source_etag TEXT NOT NULL, size ${int} NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL, blob_key TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (bucket, path, variant))`,
    ];
  },
});
