import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config, Services } from '@baas/server';
import type { Io } from './io.ts';
import { CliError } from './output.ts';

/** The flags of commands that work on an instance's data directly (serve, backup, restore, admins reset-password). */
export interface InstanceFlags {
  dir?: string;
  data?: string;
}

/** Adds --dir and --data to a command. */
export function withInstanceDir(command: Command): Command {
  return command
    .option('--dir <dir>', 'directory with baas.json', '.')
    .option('--data <dir>', 'data directory (default: baas.json, else ./data)');
}

/** The config of the instance in --dir: its baas.json, BAAS_* env, and --data. */
export async function instanceConfig(flags: InstanceFlags, io: Io, overrides: Partial<Config> = {}): Promise<{ dir: string; file: string; config: Config }> {
  const { loadConfig } = await import('@baas/server');
  const dir = resolve(io.cwd, flags.dir ?? '.');
  const file = join(dir, 'baas.json');
  const config = loadConfig({ file, env: io.env, overrides: { ...overrides, dataDir: flags.data === undefined ? undefined : resolve(io.cwd, flags.data) } });
  return { dir, file, config };
}

/** The error for a store that holds no instance, naming where it looked. */
export async function noInstance(config: Config, dir: string, file: string, next: string): Promise<CliError> {
  const { describeStore } = await import('@baas/server');
  const hint = existsSync(file) ? 'check dataDir/databaseUrl in baas.json and BAAS_DATA_DIR/BAAS_DATABASE_URL' : `there is no baas.json in ${dir} either`;
  return new CliError(`no baas instance in ${describeStore(config)} (${hint}): ${next}`);
}

/** Opens the services of the instance in --dir, which must exist; the caller closes them. */
export async function openInstance(flags: InstanceFlags, io: Io): Promise<Services> {
  const { instanceExists, openServices } = await import('@baas/server');
  const { dir, file, config } = await instanceConfig(flags, io, { logLevel: 'silent' });
  if (!(await instanceExists(config))) throw await noInstance(config, dir, file, 'create one with `baas init`');
  return openServices(config);
}
