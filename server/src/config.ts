import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve, dirname } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';

/** The one typed configuration of a baas instance. */
export interface Config {
  /** Where SQLite files and local storage live. */
  dataDir: string;
  port: number;
  host: string;
  /** PostgreSQL connection string; unset = SQLite files in dataDir. */
  databaseUrl?: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Fastify/pino log level, or 'silent'. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long an admin session lasts, in seconds. */
  adminSessionTtl: number;
  /**
   * Behind a reverse proxy: trust X-Forwarded-For from it, so client addresses
   * (and per-IP rate limits) are the clients', not the proxy's. true (trust
   * any), or the proxy addresses/CIDRs, comma-separated. Default false.
   */
  trustProxy: boolean | string;
  /**
   * Origins browsers may call the API from: `*` (default: any; safe because
   * the API uses bearer tokens, not cookies), a comma-separated list of
   * origins (`https://app.example.com,http://localhost:5173`), or '' for none.
   */
  corsOrigins: string;
  /** Abuse limits on sign-in, sign-up, token refresh and email endpoints (429 with Retry-After). */
  rateLimits: boolean;
  /** The URL clients reach this instance at (links in emails, OAuth callbacks); default http://host:port. */
  publicUrl?: string;
  /** smtp(s)://user:pass@host:port; unset = mail lands in each project's outbox table and the log. */
  smtpUrl?: string;
  /** The From address of auth emails. */
  smtpFrom: string;
  /** Where file objects live: 'fs' (under dataDir/storage) or 's3'. */
  storageDriver: 'fs' | 's3';
  s3Endpoint?: string;
  s3Region: string;
  s3Bucket?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  /** Path-style URLs (bucket in the path), which most S3-compatible servers need. */
  s3ForcePathStyle: boolean;
  /** 'when_required' for S3-compatible servers that mishandle streaming checksums; 'when_supported' for AWS. */
  s3ChecksumMode: 'when_required' | 'when_supported';
  /** The change log keeps changes this many seconds (realtime `since` reaches that far back); 0 = no age limit. */
  changeLogRetentionSeconds: number;
  /** ...and at most this many rows per project; 0 = no count limit. The newest change is always kept. */
  changeLogRetentionRows: number;
  /**
   * At most this many milliseconds between a process's re-reads of a
   * project's state versions (db/shared-state.ts): the bound on how long a
   * change made by another process can go unseen when its bus message is lost.
   */
  stateCheckMs: number;
  /** A realtime connection whose unsent data exceeds this many bytes is closed (4008): slow consumers must not grow memory. */
  realtimeSendBuffer: number;
  /** Seconds between heartbeat pings; a connection that missed the previous pong is closed (4001). */
  realtimeHeartbeatSeconds: number;
  /** Seconds a connection may stay without subscriptions, channels or messages before it is closed (4000). */
  realtimeIdleSeconds: number;
  /**
   * Seconds a connection may send and receive nothing (a stalled upload body,
   * a client gone without closing) before it is dropped; also bounds how long
   * a stop waits for such a request.
   */
  bodyIdleTimeoutSeconds: number;
  /**
   * SQLite's `synchronous` mode. NORMAL (default, with WAL): a process crash
   * loses nothing committed; a power loss or OS crash may roll back the last
   * commits. FULL: commits also survive a power loss, at the cost of an fsync
   * per commit group (docs/deployment.md, `BENCH_ONLY=durability pnpm bench`).
   */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** A cron expression (5 or 6 fields, server time) for scheduled backups of the whole instance; unset = none. */
  backupSchedule?: string;
  /** Where backups are written and listed (relative to baas.json); default `backups` beside the data directory. */
  backupDir: string;
  /** How many scheduled backups to keep; older ones are deleted after each new one. */
  backupKeep: number;
  /** Also upload each scheduled backup to this S3 bucket (with the s3Endpoint, s3Region and credentials settings). */
  backupS3Bucket?: string;
  /** Key prefix of uploaded backups in backupS3Bucket. */
  backupS3Prefix: string;
  /** Whether requests are recorded in the instance store's request log (the dashboard's Logs page). */
  requestLog: boolean;
  /** The fraction of requests the request log records (0 to 1), chosen at random. */
  requestLogSampleRate: number;
  /** The request log keeps entries this many days; 0 = no age limit. */
  requestLogRetentionDays: number;
  /** ...and about this many entries at most; 0 = no count limit. */
  requestLogRetentionRows: number;
  /** A bearer token that may read `GET /v1/metrics` (and nothing else), for a Prometheus scraper; unset = admin tokens only. */
  metricsToken?: string;
}

/** A config that cannot run; the message names each bad setting, its source and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The URL clients reach the instance at: `publicUrl`, or where it listens; no trailing slash. */
export function publicUrlOf(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  return (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');
}

// Value schemas. Environment variables are always strings, so numbers and
// booleans also accept their string forms; the file may use either.
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
/** true/false, or the usual words: yes/no, on/off, 1/0, y/n, enabled/disabled (any case). */
const boolean = z.union([z.boolean(), z.stringbool()]);
const text = z.string().trim().min(1);
const url = (protocols: string[]) =>
  z.string().refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol.slice(0, -1)));
const isOrigin = (v: string) => URL.canParse(v) && new URL(v).origin === v.replace(/\/$/, '');
const isAddressOrCidr = (v: string) => {
  const [address, bits, extra] = v.split('/');
  const family = isIP(address);
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
};
const cron = z.string().refine((v) => {
  try {
    new Cron(v, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
});

const booleanWords = 'true or false (also yes/no, on/off, 1/0)';

/** One setting: its env variable, how its value is checked, what is allowed (for errors), its default. */
interface Setting {
  env: string;
  schema: z.ZodType;
  allowed: string;
  default?: unknown;
}

/** Every setting of baas.json and its BAAS_* variable. Defaults: the embedded engine in ./data. */
const settings: Record<keyof Config, Setting> = {
  dataDir: { env: 'BAAS_DATA_DIR', schema: text, allowed: 'a directory path (a string)', default: 'data' },
  port: { env: 'BAAS_PORT', schema: integer(0, 65535), allowed: 'an integer from 0 to 65535 (0 = any free port)', default: 8787 },
  host: { env: 'BAAS_HOST', schema: text, allowed: 'an address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0', default: '127.0.0.1' },
  databaseUrl: { env: 'BAAS_DATABASE_URL', schema: url(['postgres', 'postgresql']), allowed: 'a postgres:// URL' },
  bodyLimit: { env: 'BAAS_BODY_LIMIT', schema: integer(1), allowed: 'a number of bytes (an integer of at least 1)', default: 1024 * 1024 },
  logLevel: {
    env: 'BAAS_LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    allowed: 'one of fatal, error, warn, info, debug, trace, silent',
    default: 'info',
  },
  adminSessionTtl: { env: 'BAAS_ADMIN_SESSION_TTL', schema: integer(1), allowed: 'a number of seconds (an integer of at least 1)', default: 7 * 24 * 3600 },
  trustProxy: {
    env: 'BAAS_TRUST_PROXY',
    schema: z.union([
      boolean,
      z.string().refine((v) => v.split(',').every((a) => isAddressOrCidr(a.trim()))).transform((v) => v.split(',').map((a) => a.trim()).join(',')),
    ]),
    allowed: `${booleanWords}, or proxy addresses/CIDRs separated by commas (e.g. 127.0.0.1,10.0.0.0/8)`,
    default: false,
  },
  corsOrigins: {
    env: 'BAAS_CORS_ORIGINS',
    schema: z.string().refine((v) => v.trim() === '*' || v.split(',').map((o) => o.trim()).filter(Boolean).every(isOrigin)),
    allowed: "'*' (any origin), origins separated by commas (e.g. https://app.example.com,http://localhost:5173), or '' for none",
    default: '*',
  },
  rateLimits: { env: 'BAAS_RATE_LIMITS', schema: boolean, allowed: booleanWords, default: true },
  publicUrl: { env: 'BAAS_PUBLIC_URL', schema: url(['http', 'https']), allowed: 'an http(s):// URL' },
  smtpUrl: { env: 'BAAS_SMTP_URL', schema: url(['smtp', 'smtps']), allowed: 'an smtp:// or smtps:// URL' },
  smtpFrom: { env: 'BAAS_SMTP_FROM', schema: text, allowed: 'an address, e.g. "baas <no-reply@example.com>"', default: 'baas <no-reply@localhost>' },
  storageDriver: { env: 'BAAS_STORAGE_DRIVER', schema: z.enum(['fs', 's3']), allowed: 'fs or s3', default: 'fs' },
  s3Endpoint: { env: 'BAAS_S3_ENDPOINT', schema: url(['http', 'https']), allowed: 'an http(s):// URL' },
  s3Region: { env: 'BAAS_S3_REGION', schema: text, allowed: 'a region name, e.g. us-east-1', default: 'us-east-1' },
  s3Bucket: { env: 'BAAS_S3_BUCKET', schema: text, allowed: 'a bucket name' },
  s3AccessKeyId: { env: 'BAAS_S3_ACCESS_KEY_ID', schema: text, allowed: 'an access key id' },
  s3SecretAccessKey: { env: 'BAAS_S3_SECRET_ACCESS_KEY', schema: text, allowed: 'a secret access key' },
  s3ForcePathStyle: { env: 'BAAS_S3_FORCE_PATH_STYLE', schema: boolean, allowed: booleanWords, default: true },
  s3ChecksumMode: { env: 'BAAS_S3_CHECKSUM_MODE', schema: z.enum(['when_required', 'when_supported']), allowed: 'when_required or when_supported', default: 'when_required' },
  changeLogRetentionSeconds: { env: 'BAAS_CHANGE_LOG_RETENTION_SECONDS', schema: integer(0), allowed: 'a number of seconds (an integer, 0 = no age limit)', default: 7 * 24 * 3600 },
  changeLogRetentionRows: { env: 'BAAS_CHANGE_LOG_RETENTION_ROWS', schema: integer(0), allowed: 'a number of rows (an integer, 0 = no count limit)', default: 1_000_000 },
  stateCheckMs: { env: 'BAAS_STATE_CHECK_MS', schema: integer(10, 60_000), allowed: 'a number of milliseconds (an integer from 10 to 60000)', default: 250 },
  realtimeSendBuffer: { env: 'BAAS_REALTIME_SEND_BUFFER', schema: integer(1024), allowed: 'a number of bytes (an integer of at least 1024)', default: 4 * 1024 * 1024 },
  realtimeHeartbeatSeconds: { env: 'BAAS_REALTIME_HEARTBEAT_SECONDS', schema: integer(1), allowed: 'a number of seconds (an integer of at least 1)', default: 30 },
  realtimeIdleSeconds: { env: 'BAAS_REALTIME_IDLE_SECONDS', schema: integer(1), allowed: 'a number of seconds (an integer of at least 1)', default: 120 },
  bodyIdleTimeoutSeconds: { env: 'BAAS_BODY_IDLE_TIMEOUT_SECONDS', schema: integer(1, 3600), allowed: 'a number of seconds (an integer from 1 to 3600)', default: 60 },
  sqliteSynchronous: {
    env: 'BAAS_SQLITE_SYNCHRONOUS',
    schema: z.preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), z.enum(['NORMAL', 'FULL'])),
    allowed: 'NORMAL or FULL',
    default: 'NORMAL',
  },
  backupSchedule: { env: 'BAAS_BACKUP_SCHEDULE', schema: cron, allowed: "a cron expression, e.g. '0 3 * * *' (every day at 03:00)" },
  backupDir: { env: 'BAAS_BACKUP_DIR', schema: text, allowed: 'a directory path (a string)', default: 'backups' },
  backupKeep: { env: 'BAAS_BACKUP_KEEP', schema: integer(1, 10_000), allowed: 'how many scheduled backups to keep (an integer from 1 to 10000)', default: 7 },
  backupS3Bucket: { env: 'BAAS_BACKUP_S3_BUCKET', schema: text, allowed: 'a bucket name' },
  backupS3Prefix: { env: 'BAAS_BACKUP_S3_PREFIX', schema: z.string(), allowed: 'a key prefix (a string)', default: 'backups/' },
  requestLog: { env: 'BAAS_REQUEST_LOG', schema: boolean, allowed: booleanWords, default: true },
  requestLogSampleRate: {
    env: 'BAAS_REQUEST_LOG_SAMPLE_RATE',
    schema: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number().min(0).max(1)),
    allowed: 'a fraction from 0 to 1 (e.g. 0.1 records one request in ten)',
    default: 1,
  },
  requestLogRetentionDays: { env: 'BAAS_REQUEST_LOG_RETENTION_DAYS', schema: integer(0, 3650), allowed: 'a number of days (an integer from 0 to 3650, 0 = no age limit)', default: 7 },
  requestLogRetentionRows: { env: 'BAAS_REQUEST_LOG_RETENTION_ROWS', schema: integer(0), allowed: 'a number of entries (an integer, 0 = no count limit)', default: 1_000_000 },
  metricsToken: {
    env: 'BAAS_METRICS_TOKEN',
    schema: z.string().regex(/^\S{24,}$/),
    allowed: 'a secret of at least 24 characters without spaces (e.g. from `openssl rand -hex 24`)',
  },
};

/** Defaults: the embedded engine in ./data. */
export const defaultConfig: Config = Object.fromEntries(
  Object.entries(settings).flatMap(([key, s]) => (s.default === undefined ? [] : [[key, s.default]])),
) as unknown as Config;

/** The environment variable of each setting (for docs and messages). */
export const envNames: Record<keyof Config, string> = Object.fromEntries(
  Object.entries(settings).map(([key, s]) => [key, s.env]),
) as Record<keyof Config, string>;

/**
 * Builds the config: defaults < baas.json (if `file` exists) < BAAS_* env < overrides.
 * Every value is checked against its setting; all problems are reported at once,
 * each with the setting, where its value came from, and what is allowed.
 * Relative dataDir and backupDir are resolved against the directory of `file` (or cwd).
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Partial<Config> } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file && existsSync(options.file) ? resolve(options.file) : undefined;
  const fromFile = file ? readConfigFile(file) : {};
  const problems: string[] = [];
  for (const key of Object.keys(fromFile)) {
    if (!Object.hasOwn(settings, key) && key !== '$schema') problems.push(`unknown config key '${key}' in ${file} (the settings are listed in the README)`);
  }

  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as Array<[keyof Config, Setting]>) {
    const override = options.overrides?.[key];
    const envValue = env[setting.env];
    let value: unknown;
    let source: string;
    if (override !== undefined) [value, source] = [override, 'given on the command line'];
    else if (envValue !== undefined && envValue !== '') [value, source] = [envValue, `env ${setting.env}`];
    else if (fromFile[key] !== undefined) {
      [value, source] = [fromFile[key], `in ${file}`];
      // "${NAME}" in baas.json: the value of env NAME (for secrets such as a database URL).
      const reference = typeof value === 'string' ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value)?.[1] : undefined;
      if (reference !== undefined) {
        if (!env[reference]) {
          problems.push(`config '${key}' (in ${file}) is read from env ${reference}, which is not set`);
          continue;
        }
        [value, source] = [env[reference], `env ${reference}, named in ${file}`];
      }
    } else {
      if (setting.default !== undefined) config[key] = setting.default;
      continue;
    }
    const parsed = setting.schema.safeParse(value);
    if (parsed.success) config[key] = parsed.data;
    else problems.push(`config '${key}' (${source}) must be ${setting.allowed}; got ${JSON.stringify(value)}`);
  }
  if (config.storageDriver === 's3' && config.s3Bucket === undefined) {
    problems.push(`config 's3Bucket' (env ${settings.s3Bucket.env}) is required when storageDriver is 's3'`);
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));

  // Without a baas.json, paths are still relative to where it would be: the instance's directory.
  const base = options.file ? dirname(resolve(options.file)) : process.cwd();
  config.dataDir = resolve(base, config.dataDir as string);
  config.backupDir = resolve(base, config.backupDir as string);
  return config as unknown as Config;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${file} must hold a JSON object of settings`);
  return parsed as Record<string, unknown>;
}
