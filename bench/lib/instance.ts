import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../server/src/app.ts';
import { loadConfig, type Config } from '../../server/src/config.ts';
import { onShutdown } from './child.ts';

/** The project every bench server creates. */
export const PROJECT = 'bench';

/**
 * A baas instance for a bench child: a fresh temp data dir (removed on
 * shutdown), its default config (logging at `info`, every request logged to
 * stdout, which the bench sends to /dev/null: what users run), not listening
 * yet, and the project `bench` with its secret key. BENCH_DATABASE_URL puts
 * it on PostgreSQL (a database the scenario created for it).
 */
export async function startBenchInstance(
  name: string,
  options: { overrides?: Partial<Config>; env?: NodeJS.ProcessEnv; parentDir?: string } = {},
): Promise<{ app: Awaited<ReturnType<typeof buildApp>>; dir: string; secret: string }> {
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), `baas-bench-${name}-`));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({
    env: options.env ?? {},
    overrides: {
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : {}),
      ...options.overrides,
    },
  });
  const app = await buildApp(config);
  onShutdown(() => app.close());
  const { keys } = await app.baas.projects.create(PROJECT, 'Bench');
  return { app, dir, secret: keys[0].secret };
}
