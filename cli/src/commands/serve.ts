import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import type { buildApp } from '@baas/server';
import { urlFor } from '../connection.ts';
import { instanceConfig, noInstance, withInstanceDir } from '../instance.ts';
import type { Io } from '../io.ts';
import { CliError, printJson, stepper } from '../output.ts';
import { createInstance, describeInit, initDefaults, initInstance, type InitResult } from './init.ts';

type App = Awaited<ReturnType<typeof buildApp>>;

interface ServeFlags {
  dir?: string;
  port?: number;
  host?: string;
  data?: string;
  init?: boolean;
  project: string;
  adminEmail: string;
  adminPassword?: string;
  json?: boolean;
}

/** Parses a --port value: an integer 0..65535 (0 = any free port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

/** `baas serve`. */
export function registerServe(program: Command, io: Io): void {
  withInstanceDir(program.command('serve'))
    .description('run the server of the instance in the current directory (or --dir); refuses a store without an instance unless --init')
    .option('--port <port>', 'port to listen on, 0 = any free one (default: baas.json, else 8787)', parsePort)
    .option('--host <host>', 'address to listen on (default: baas.json, else 127.0.0.1)')
    .option('--init', 'create the instance first when there is none (no baas.json, or an empty data directory or database)')
    .option('--project <id>', 'with --init: id of the first project', initDefaults.project)
    .option('--admin-email <email>', 'with --init: email of the first admin', initDefaults.adminEmail)
    .option('--admin-password <password>', 'with --init: password of the first admin (default: generated)')
    .option('--json', 'print {"url", "dataDir"} as JSON once listening')
    .action(async (flags: ServeFlags) => {
      await serve(flags, io);
    });
}

/**
 * Starts the server and stops it cleanly on SIGINT/SIGTERM. Resolves once listening.
 * Refuses a store that holds no instance (a typo in dataDir or databaseUrl would
 * otherwise serve a new, empty one) unless --init, which creates it.
 */
export async function serve(flags: ServeFlags, io: Io): Promise<App> {
  const { buildApp, instanceExists } = await import('@baas/server');
  const dir = resolve(io.cwd, flags.dir ?? '.');
  const init = { project: flags.project, adminEmail: flags.adminEmail, adminPassword: flags.adminPassword };
  let result: InitResult | undefined;
  if (!existsSync(join(dir, 'baas.json')) && flags.init) {
    result = await initInstance({ ...init, dir, port: flags.port || initDefaults.port, host: flags.host ?? initDefaults.host }, io, flags.json === true);
  }
  const { file, config } = await instanceConfig(flags, io, { port: flags.port, host: flags.host });
  if (!result && !(await instanceExists(config))) {
    if (!flags.init) throw await noInstance(config, dir, file, 'create one with `baas init`, or `baas serve --init` to create it there');
    const created = await createInstance({ ...config, logLevel: 'silent' }, init, stepper(io, 3, flags.json === true));
    result = { ...created, dir, url: urlFor(config.host, config.port) };
  }
  if (result) {
    // The credentials are shown this once; with --json they go to stderr so stdout stays one JSON document.
    if (flags.json) io.stderr(JSON.stringify({ init: result }) + '\n');
    else io.stderr(describeInit(result, io.cwd, true));
  }
  const app = await buildApp(config);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliError(`${config.host}:${config.port} is in use: pick another port with --port`);
    if (code === 'EACCES') throw new CliError(`not allowed to listen on ${config.host}:${config.port}: pick a port above 1023 with --port`);
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = urlFor(config.host, port);
  if (flags.json) printJson(io, { url, dataDir: config.dataDir, database: config.databaseUrl ? 'postgres' : 'sqlite' });
  else io.stdout(`baas is serving ${url} (admin: ${url}/_/, data: ${config.dataDir})\npress Ctrl+C to stop\n`);
  stopOnSignals(app, io);
  return app;
}

function stopOnSignals(app: App, io: Io): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    io.stderr(`${signal}: stopping (open requests finish first)\n`);
    app.close().then(
      () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // Everything is closed; exit even if a stray handle would keep the loop alive.
        setTimeout(() => process.exit(0), 1000).unref();
      },
      (err: unknown) => {
        io.stderr(`error: stopping failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
