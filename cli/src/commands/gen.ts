import { resolve } from 'node:path';
import { generateTypes } from '@baas/schema';
import type { Command } from 'commander';
import { withConnection, withProjectClient, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, printJson, writeAtomically } from '../output.ts';

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
      const collections = await withProjectClient(flags, io, (client) => client.collections.list());
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
