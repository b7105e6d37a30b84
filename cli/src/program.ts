import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAdmins } from './commands/admins.ts';
import { registerBackup } from './commands/backup.ts';
import { registerCollections } from './commands/collections.ts';
import { registerUsers } from './commands/users.ts';
import { registerGen } from './commands/gen.ts';
import { registerInit } from './commands/init.ts';
import { registerKeys } from './commands/keys.ts';
import { registerLogin } from './commands/login.ts';
import { registerProjects } from './commands/projects.ts';
import { registerServe } from './commands/serve.ts';
import type { Io } from './io.ts';
import { formatError } from './output.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The `baas` program, writing through `io` and never exiting the process:
 * commander's exits become `CommanderError`s that `runCli` turns into a code.
 */
export function buildProgram(io: Io): Command {
  const program = new Command('baas')
    .description('baas: a self-hostable backend (collections, auth, storage, realtime)')
    .version(version, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nRun `baas <command> --help` for the options of a command.');
  registerInit(program, io);
  registerServe(program, io);
  registerLogin(program, io);
  registerProjects(program, io);
  registerKeys(program, io);
  registerAdmins(program, io);
  registerGen(program, io);
  registerBackup(program, io);
  registerCollections(program, io);
  registerUsers(program, io);
  return program;
}

/** Runs the CLI with `args` (without `node baas`) and returns the exit code. Errors are one line on stderr. */
export async function runCli(args: string[], io: Io): Promise<number> {
  try {
    await buildProgram(io).parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    // commander has already written its own message (or the help).
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr(formatError(err) + '\n');
    if (io.env.BAAS_DEBUG && err instanceof Error) io.stderr(`${err.stack}\n`);
    return 1;
  }
}
