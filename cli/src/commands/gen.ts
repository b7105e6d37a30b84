import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BaasError, createClient, type BaasClient } from '@baas/sdk';
import { generateTypes } from '@baas/schema';
import type { Command } from 'commander';
import { connect, resolveUrl, withConnection, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, printJson } from '../output.ts';

type Flags = ConnectionFlags & { project: string; out?: string; key?: string; json?: boolean };

/** `baas gen types`: code generated from a project, read over HTTP through the SDK. */
export function registerGen(program: Command, io: Io): void {
  const gen = program.command('gen').description('generate code from a project (TypeScript types)');

  withConnection(gen.command('types').description("write TypeScript types of a project's collections, for createClient<Schema>()"))
    .requiredOption('--project <id>', 'the project (env BAAS_PROJECT)', io.env.BAAS_PROJECT || undefined)
    .option('--key <sk_...>', 'a secret key of the project instead of an admin (env BAAS_KEY)')
    .option('--out <file>', 'write the types to this file (parent directories are created); default: stdout')
    .option('--json', 'print JSON: {"out","collections"} (needs --out)')
    .addHelpText('after', '\nUse the output with the SDK:\n  import type { Schema } from \'./baas-types.ts\';\n  const client = createClient<Schema>({ url, project });')
    .action(async (flags: Flags) => {
      if (flags.json && flags.out === undefined) throw new CliError('--json needs --out (without it the types themselves go to stdout)');
      const collections = await listCollections(flags, io);
      const types = generateTypes(collections);
      if (flags.out === undefined) return io.stdout(types);
      try {
        writeAtomically(resolve(io.cwd, flags.out), types);
      } catch (err) {
        throw new CliError(`cannot write ${flags.out}: ${(err as Error).message}`);
      }
      const names = collections.map((c) => c.name).sort();
      if (flags.json) return printJson(io, { out: flags.out, collections: names });
      io.stdout(`wrote ${names.length} ${names.length === 1 ? 'collection' : 'collections'} to ${flags.out}\n`);
    });
}

/**
 * The project's collection definitions. A key (--key, else BAAS_KEY unless
 * --token or --email say to sign in as an admin) is the project's service
 * role; otherwise the admin credentials of every command.
 */
async function listCollections(flags: Flags, io: Io) {
  if (flags.key !== undefined && (flags.token !== undefined || flags.email !== undefined)) {
    throw new CliError('pass either --key or admin credentials (--token, --email), not both');
  }
  const key = flags.key ?? (flags.token === undefined && flags.email === undefined ? io.env.BAAS_KEY || undefined : undefined);
  if (key === undefined) return (await connect(flags, io, flags.project)).collections.list();
  const client: BaasClient = createClient({ url: resolveUrl(flags, io), project: flags.project, key });
  try {
    return await client.collections.list();
  } catch (err) {
    // The generic hint (`baas login`, --token) is about admin tokens, not keys.
    if (err instanceof BaasError && err.code === 'invalid_token') {
      throw new CliError(`${err.message} (invalid_token): check --key (or env BAAS_KEY)`);
    }
    throw err;
  } finally {
    client.close();
  }
}

/** Writes `text` to `file` through a temporary file and a rename: readers never see half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
