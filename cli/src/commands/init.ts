import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import type { Config } from '@baas/server';
import { urlFor } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, fields, printJson, stepper } from '../output.ts';
import { parsePort } from './serve.ts';

/** The settings of a new instance. */
export interface InitOptions {
  /** The directory that gets baas.json and data/ (resolved against the cwd). */
  dir: string;
  project: string;
  adminEmail: string;
  /** Generated (and reported) when absent. */
  adminPassword?: string;
  port: number;
  host: string;
  /** A PostgreSQL URL to record in baas.json; without it, BAAS_DATABASE_URL (if set) is recorded as a reference. */
  databaseUrl?: string;
}

/** What `baas init --json` prints. */
export interface InitResult {
  dir: string;
  url: string;
  project: { id: string };
  secretKey: string;
  /** `password` only when it was generated. */
  admin: { email: string; password?: string };
}

/** Defaults of `baas init`. The email must pass the server's address check, so no bare `@localhost`. */
export const initDefaults = { project: 'app', adminEmail: 'admin@example.com', port: 8787, host: '127.0.0.1' } as const;

/** `baas init [dir]`. */
export function registerInit(program: Command, io: Io): void {
  program
    .command('init')
    .description('create baas.json, the data directory, the first admin and the first project')
    .argument('[dir]', 'directory of the new instance', '.')
    .option('--project <id>', 'id of the first project', initDefaults.project)
    .option('--admin-email <email>', 'email of the first admin', initDefaults.adminEmail)
    .option('--admin-password <password>', 'password of the first admin (default: a generated one, printed once)')
    .option('--port <port>', 'port to write into baas.json', parsePort, initDefaults.port)
    .option('--host <host>', 'host to write into baas.json', initDefaults.host)
    .option('--database-url <url>', 'use this PostgreSQL database, recorded in baas.json (default: env BAAS_DATABASE_URL, recorded as a reference, else SQLite)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, flags: Omit<InitOptions, 'dir'> & { json?: boolean }) => {
      const result = await initInstance({ ...flags, dir }, io, flags.json === true);
      if (flags.json) printJson(io, result);
      else io.stdout(describeInit(result, io.cwd));
    });
}

/**
 * Creates an instance in `options.dir`, working on the data directory directly.
 * Refuses when baas.json exists; on failure removes the data directory it created.
 * baas.json is written last, so a failed init can simply be run again. It
 * records the database the instance lives in, so `baas serve` opens the same store.
 */
export async function initInstance(options: InitOptions, io: Io, quiet: boolean): Promise<InitResult> {
  const dir = resolve(io.cwd, options.dir);
  const configFile = join(dir, 'baas.json');
  if (existsSync(configFile)) throw new CliError(`${configFile} already exists: this instance is set up (start it with \`baas serve\`)`);
  // A URL given as a flag is written as given; one from the environment only by name, so no password lands in the file.
  const databaseUrl = options.databaseUrl ?? (io.env.BAAS_DATABASE_URL ? '${BAAS_DATABASE_URL}' : undefined);
  const { loadConfig } = await import('@baas/server');
  const dataDir = join(dir, 'data');
  const step = stepper(io, 5, quiet);
  step(`creating the data directory ${dataDir}`);
  const createdData = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true });
  try {
    const config = loadConfig({ env: io.env, overrides: { dataDir, port: options.port, host: options.host, logLevel: 'silent', databaseUrl: options.databaseUrl } });
    const created = await createInstance(config, options, step);
    step(`writing ${configFile}`);
    const recorded = { port: options.port, host: options.host, dataDir: 'data', ...(databaseUrl ? { databaseUrl } : {}) };
    writeFileSync(configFile, JSON.stringify(recorded, null, 2) + '\n', { flag: 'wx' });
    return { ...created, dir, url: urlFor(options.host, options.port) };
  } catch (err) {
    if (createdData) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The first admin and the first project in the store of `config`, which must
 * hold no instance yet (`baas init`, and `baas serve --init` on an empty store).
 */
export async function createInstance(
  config: Config,
  options: Pick<InitOptions, 'project' | 'adminEmail' | 'adminPassword'>,
  step: (label: string) => void,
): Promise<Omit<InitResult, 'dir' | 'url'>> {
  const { describeStore, dropInstance, instanceExists, openServices } = await import('@baas/server');
  const engine = config.databaseUrl ? 'postgres' : 'sqlite';
  step(`opening the instance store (${engine})`);
  if (await instanceExists(config)) throw new CliError(`${describeStore(config)} already holds a baas instance: serve it with \`baas serve\``);
  const password = options.adminPassword ?? generatePassword();
  const services = await openServices(config);
  try {
    step(`creating admin ${options.adminEmail}`);
    const admin = await services.admins.create(options.adminEmail, password);
    step(`creating project '${options.project}' and its secret key`);
    const { keys } = await services.projects.create(options.project);
    return {
      project: { id: options.project },
      secretKey: keys[0].secret,
      admin: { email: admin.email, ...(options.adminPassword === undefined ? { password } : {}) },
    };
  } catch (err) {
    await services.close();
    // Nothing half-made stays behind: the next init must find an empty store.
    await dropInstance(config);
    throw err;
  } finally {
    await services.close();
  }
}

/**
 * The human report of an init: where, the credentials (once) and what to run next.
 * `serving` (for `serve --init`) leaves out the URL and the next command: serve prints the real ones.
 */
export function describeInit(result: InitResult, cwd: string, serving = false): string {
  const rel = relative(cwd, result.dir);
  const where = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? result.dir : rel;
  const pairs: Array<[string, unknown]> = serving ? [] : [['admin URL', `${result.url}/_/`]];
  pairs.push(['admin', result.admin.email]);
  if (result.admin.password) pairs.push(['password', `${result.admin.password}   (generated: shown only now)`]);
  pairs.push(['project', result.project.id], ['secret key', `${result.secretKey}   (shown only now: keep it on your servers)`]);
  const report = `\nbaas is ready in ${where}\n\n${fields(pairs)}`;
  if (serving) return report + '\n';
  const next = where === '.' ? 'baas serve' : `cd ${/[\s'"$]/.test(where) ? JSON.stringify(where) : where} && baas serve`;
  return `${report}\nnext: ${next}\n`;
}

/** 20 characters from [A-Za-z0-9]: about 119 bits, and safe to paste into a shell. */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
