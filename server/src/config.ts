import { existsSync, readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';

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
  /** A realtime connection whose unsent data exceeds this many bytes is closed (4008): slow consumers must not grow memory. */
  realtimeSendBuffer: number;
  /** Seconds between heartbeat pings; a connection that missed the previous pong is closed (4001). */
  realtimeHeartbeatSeconds: number;
  /** Seconds a connection may stay without subscriptions, channels or messages before it is closed (4000). */
  realtimeIdleSeconds: number;
}

/** Defaults: the embedded engine in ./data. */
export const defaultConfig: Config = {
  dataDir: 'data',
  port: 8787,
  host: '127.0.0.1',
  bodyLimit: 1024 * 1024,
  logLevel: 'info',
  adminSessionTtl: 7 * 24 * 3600,
  rateLimits: true,
  trustProxy: false,
  corsOrigins: '*',
  smtpFrom: 'baas <no-reply@localhost>',
  storageDriver: 'fs',
  s3Region: 'us-east-1',
  s3ForcePathStyle: true,
  s3ChecksumMode: 'when_required',
  changeLogRetentionSeconds: 7 * 24 * 3600,
  changeLogRetentionRows: 1_000_000,
  realtimeSendBuffer: 4 * 1024 * 1024,
  realtimeHeartbeatSeconds: 30,
  realtimeIdleSeconds: 120,
};

/** Thrown for a config that cannot run; the message names the key. */
export class ConfigError extends Error {}

/** The URL clients reach the instance at: `publicUrl`, or where it listens; no trailing slash. */
export function publicUrlOf(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  return (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');
}

const envKeys: Record<string, keyof Config> = {
  BAAS_DATA_DIR: 'dataDir',
  BAAS_PORT: 'port',
  BAAS_HOST: 'host',
  BAAS_DATABASE_URL: 'databaseUrl',
  BAAS_BODY_LIMIT: 'bodyLimit',
  BAAS_LOG_LEVEL: 'logLevel',
  BAAS_ADMIN_SESSION_TTL: 'adminSessionTtl',
  BAAS_RATE_LIMITS: 'rateLimits',
  BAAS_TRUST_PROXY: 'trustProxy',
  BAAS_CORS_ORIGINS: 'corsOrigins',
  BAAS_PUBLIC_URL: 'publicUrl',
  BAAS_SMTP_URL: 'smtpUrl',
  BAAS_SMTP_FROM: 'smtpFrom',
  BAAS_STORAGE_DRIVER: 'storageDriver',
  BAAS_S3_ENDPOINT: 's3Endpoint',
  BAAS_S3_REGION: 's3Region',
  BAAS_S3_BUCKET: 's3Bucket',
  BAAS_S3_ACCESS_KEY_ID: 's3AccessKeyId',
  BAAS_S3_SECRET_ACCESS_KEY: 's3SecretAccessKey',
  BAAS_S3_FORCE_PATH_STYLE: 's3ForcePathStyle',
  BAAS_S3_CHECKSUM_MODE: 's3ChecksumMode',
  BAAS_CHANGE_LOG_RETENTION_SECONDS: 'changeLogRetentionSeconds',
  BAAS_CHANGE_LOG_RETENTION_ROWS: 'changeLogRetentionRows',
  BAAS_REALTIME_SEND_BUFFER: 'realtimeSendBuffer',
  BAAS_REALTIME_HEARTBEAT_SECONDS: 'realtimeHeartbeatSeconds',
  BAAS_REALTIME_IDLE_SECONDS: 'realtimeIdleSeconds',
};

/** Keys that may be absent (no default). */
const optionalKeys = new Set<string>(['databaseUrl', 'publicUrl', 'smtpUrl', 's3Endpoint', 's3Bucket', 's3AccessKeyId', 's3SecretAccessKey']);

const numericKeys = new Set<keyof Config>([
  'port', 'bodyLimit', 'adminSessionTtl',
  'changeLogRetentionSeconds', 'changeLogRetentionRows', 'realtimeSendBuffer', 'realtimeHeartbeatSeconds', 'realtimeIdleSeconds',
]);
const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Builds the config: defaults < baas.json (if `file` exists) < BAAS_* env < overrides.
 * A relative dataDir is resolved against the directory of baas.json (or cwd).
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Partial<Config> } = {}): Config {
  const env = options.env ?? process.env;
  let fromFile: Record<string, unknown> = {};
  let base = process.cwd();
  if (options.file && existsSync(options.file)) {
    try {
      fromFile = JSON.parse(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${options.file} is not valid JSON: ${(err as Error).message}`);
    }
    base = dirname(resolve(options.file));
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(envKeys)) {
    if (env[name] !== undefined && env[name] !== '') fromEnv[key] = env[name];
  }
  const merged: Record<string, unknown> = { ...defaultConfig, ...fromFile, ...fromEnv, ...stripUndefined(options.overrides ?? {}) };
  for (const key of Object.keys(merged)) {
    if (!(key in defaultConfig) && !optionalKeys.has(key) && key !== '$schema') {
      throw new ConfigError(`unknown config key '${key}'`);
    }
  }
  delete merged.$schema;
  for (const key of numericKeys) {
    const n = Number(merged[key]);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`config '${key}' must be a non-negative integer, got '${merged[key]}'`);
    merged[key] = n;
  }
  if (!logLevels.has(String(merged.logLevel))) throw new ConfigError(`config 'logLevel' must be one of ${[...logLevels].join(', ')}`);
  if (merged.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(String(merged.databaseUrl))) {
    throw new ConfigError(`config 'databaseUrl' must be a postgres:// URL`);
  }
  if (typeof merged.trustProxy === 'string') {
    const value = merged.trustProxy.trim();
    merged.trustProxy = value === 'true' ? true : value === 'false' || value === '' ? false : value;
  }
  if (typeof merged.rateLimits === 'string') merged.rateLimits = merged.rateLimits !== 'false' && merged.rateLimits !== '0';
  if (typeof merged.s3ForcePathStyle === 'string') merged.s3ForcePathStyle = merged.s3ForcePathStyle !== 'false' && merged.s3ForcePathStyle !== '0';
  oneOf(merged, 'storageDriver', ['fs', 's3']);
  oneOf(merged, 's3ChecksumMode', ['when_required', 'when_supported']);
  if (merged.storageDriver === 's3' && !merged.s3Bucket) throw new ConfigError(`config 's3Bucket' is required when storageDriver is 's3'`);
  for (const key of ['publicUrl', 'smtpUrl', 's3Endpoint'] as const) {
    if (merged[key] !== undefined && !URL.canParse(String(merged[key]))) throw new ConfigError(`config '${key}' must be a URL`);
  }
  merged.dataDir = resolve(base, String(merged.dataDir));
  return merged as unknown as Config;
}

function oneOf(config: Record<string, unknown>, key: string, values: string[]): void {
  if (!values.includes(String(config[key]))) throw new ConfigError(`config '${key}' must be one of ${values.join(', ')}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
