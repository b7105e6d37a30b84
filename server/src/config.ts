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
}

/** Defaults: the embedded engine in ./data. */
export const defaultConfig: Config = {
  dataDir: 'data',
  port: 8787,
  host: '127.0.0.1',
  bodyLimit: 1024 * 1024,
  logLevel: 'info',
  adminSessionTtl: 7 * 24 * 3600,
};

/** Thrown for a config that cannot run; the message names the key. */
export class ConfigError extends Error {}

const envKeys: Record<string, keyof Config> = {
  BAAS_DATA_DIR: 'dataDir',
  BAAS_PORT: 'port',
  BAAS_HOST: 'host',
  BAAS_DATABASE_URL: 'databaseUrl',
  BAAS_BODY_LIMIT: 'bodyLimit',
  BAAS_LOG_LEVEL: 'logLevel',
  BAAS_ADMIN_SESSION_TTL: 'adminSessionTtl',
};

const numericKeys = new Set<keyof Config>(['port', 'bodyLimit', 'adminSessionTtl']);
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
    if (!(key in defaultConfig) && key !== 'databaseUrl' && key !== '$schema') {
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
  merged.dataDir = resolve(base, String(merged.dataDir));
  return merged as unknown as Config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
