import { sql } from 'drizzle-orm';
import type { AuthSettings } from '@baas/protocol';
import type { Database } from '../../db/database.ts';
import type { ServiceContext } from '../context.ts';
import { ApiError } from '../../errors.ts';

export type { AuthSettings } from '@baas/protocol';

/** The settings of a project that never changed them. */
export const defaultAuthSettings: Readonly<AuthSettings> = Object.freeze({
  siteUrl: null,
  redirectUrls: [],
  accessTokenTtl: 900,
  refreshTokenTtl: 30 * 24 * 3600,
  passwordMinLength: 8,
  emailTokenTtl: 3600,
});

// Each setting is one `_settings` row `auth.<name>` holding JSON, so colleagues' settings share the table.
const PREFIX = 'auth.';

// Bounds that keep a project usable: a 0 s access token or a 1-character password policy is a mistake, not a choice.
const bounds: Record<'accessTokenTtl' | 'refreshTokenTtl' | 'passwordMinLength' | 'emailTokenTtl', [number, number]> = {
  accessTokenTtl: [1, 24 * 3600],
  refreshTokenTtl: [60, 400 * 24 * 3600],
  passwordMinLength: [6, 1024],
  emailTokenTtl: [60, 7 * 24 * 3600],
};

/** The project's auth settings, defaults filled in, as the settings route shows them. */
export async function authSettingsOf(ctx: ServiceContext): Promise<AuthSettings> {
  return getAuthSettings(ctx.db);
}

/** The same, read from a store or a transaction: users.ts checks the password policy inside its writes. */
export async function getAuthSettings(db: Database): Promise<AuthSettings> {
  const rows = await db.all<{ key: string; value: string }>(
    sql`SELECT key, value FROM ${db.table('_settings')} WHERE key LIKE ${PREFIX + '%'}`,
  );
  const settings: AuthSettings = { ...defaultAuthSettings, redirectUrls: [] };
  for (const row of rows) {
    const name = row.key.slice(PREFIX.length);
    if (Object.hasOwn(defaultAuthSettings, name)) (settings as unknown as Record<string, unknown>)[name] = JSON.parse(row.value);
  }
  return settings;
}

/** Validates and stores a partial change; answers the whole new settings. 400 with per-field details when invalid. */
export async function updateAuthSettings(ctx: ServiceContext, patch: Partial<AuthSettings>): Promise<AuthSettings> {
  const db = ctx.db;
  const fields: Record<string, { code: string; message: string }> = {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(defaultAuthSettings, name)) fields[name] = { code: 'unknown_field', message: 'is not an auth setting' };
    else if (name === 'siteUrl') {
      if (value !== null && !isHttpUrl(value)) fields[name] = { code: 'format', message: 'must be an http(s) URL or null' };
    } else if (name === 'redirectUrls') {
      if (!Array.isArray(value) || value.some((u) => !isHttpUrl(u))) fields[name] = { code: 'format', message: 'must be a list of http(s) URLs' };
    } else {
      const [min, max] = bounds[name as keyof typeof bounds];
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
        fields[name] = { code: 'range', message: `must be an integer from ${min} to ${max}` };
      }
    }
  }
  if (Object.keys(fields).length) throw new ApiError('validation_failed', 'invalid auth settings', { fields });
  await db.transaction(async (tx) => {
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const key = PREFIX + name;
      const json = JSON.stringify(value);
      await tx.run(sql`INSERT INTO ${tx.table('_settings')} (key, value) VALUES (${key}, ${json})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    }
  });
  return getAuthSettings(db);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
}

/**
 * Whether `url` may be a redirect target of this project: its origin equals
 * the origin of the site URL or of an allowed redirect URL, and its path is
 * within that URL's path (segment-wise: `/app` allows `/app` and `/app/x`,
 * not `/apple`). Anything else could hand a session to a stranger's site.
 */
export function isAllowedRedirect(settings: Pick<AuthSettings, 'siteUrl' | 'redirectUrls'>, url: string): boolean {
  if (!isHttpUrl(url)) return false;
  const target = new URL(url);
  const allowed = [settings.siteUrl, ...settings.redirectUrls].filter((u): u is string => !!u && URL.canParse(u));
  return allowed.some((base) => {
    const b = new URL(base);
    if (b.origin !== target.origin) return false;
    const prefix = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
    return target.pathname === b.pathname || target.pathname.startsWith(prefix);
  });
}
