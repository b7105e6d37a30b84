import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SchemaDiff, SchemaDocument } from '@baas/sdk';
import { isBaasError } from '@baas/sdk';
import type { Command } from 'commander';
import { withConnection, withProjectClient, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, printJson, writeAtomically } from '../output.ts';

type Flags = ConnectionFlags & { project: string; key?: string; json?: boolean };

/** The diff for people: one line per change, and what data goes. */
export function describeDiff(diff: SchemaDiff): string {
  const lines: string[] = [];
  const section = (kind: string, part: SchemaDiff['collections']) => {
    for (const name of part.added) lines.push(`+ ${kind} ${name}`);
    for (const { name, changes } of part.changed) lines.push(`~ ${kind} ${name}: ${changes.join(', ')}`);
    for (const name of part.removed) lines.push(`- ${kind} ${name}`);
  };
  section('collection', diff.collections);
  section('bucket', diff.buckets);
  if (lines.length === 0) return 'no changes: the project already has this schema\n';
  const dropped = diff.dropped.map((d) =>
    'bucket' in d ? `  the ${d.objects} objects of bucket ${d.bucket}` : d.field ? `  ${d.collection}.${d.field}: the values of ${d.records} records` : `  collection ${d.collection}: ${d.records} records`,
  );
  return lines.join('\n') + '\n' + (dropped.length ? `\ndata that would be deleted:\n${dropped.join('\n')}\n` : '\nno data would be deleted\n');
}

/** `baas collections export|import`: schema as code, over HTTP through the SDK. */
export function registerCollections(program: Command, io: Io): void {
  const collections = program.command('collections').description("a project's schema as code: collections (fields, indexes, rules) and buckets, as JSON");
  const scoped = (command: Command) =>
    withConnection(command)
      .option('--project <id>', 'the project (env BAAS_PROJECT)', io.env.BAAS_PROJECT || 'app')
      .option('--key <sk_...>', 'a secret key of the project instead of an admin (env BAAS_KEY)');

  scoped(collections.command('export').description('write the schema of a project as JSON'))
    .option('--out <file>', 'write it to this file (replaced atomically); default: stdout')
    .option('--json', 'with --out: print {"out","collections","buckets"}')
    .action(async (flags: Flags & { out?: string }) => {
      const doc = await withProjectClient(flags, io, (client) => client.schema.export());
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (flags.out === undefined) return io.stdout(text);
      writeAtomically(resolve(io.cwd, flags.out), text);
      const summary = { out: flags.out, collections: doc.collections.map((c) => c.name), buckets: doc.buckets.map((b) => b.name) };
      if (flags.json) return printJson(io, summary);
      io.stdout(`wrote ${summary.collections.length} collections and ${summary.buckets.length} buckets to ${flags.out}\n`);
    });

  scoped(collections.command('import').description('make a project match a schema file: shows the diff, applies it (all or nothing) only with --yes'))
    .argument('<file>', 'a file written by `baas collections export`')
    .option('--dry-run', 'show the diff and stop')
    .option('-y, --yes', 'apply it, deleting the data the diff names')
    .option('--json', 'print {"diff","applied"}')
    .action(async (file: string, flags: Flags & { dryRun?: boolean; yes?: boolean }) => {
      let doc: SchemaDocument;
      try {
        doc = JSON.parse(readFileSync(resolve(io.cwd, file), 'utf8')) as SchemaDocument;
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      await withProjectClient(flags, io, async (client) => {
        const { diff } = await client.schema.import(doc, { dryRun: true });
        const empty = describeDiff(diff).startsWith('no changes');
        let apply = flags.yes === true && !flags.dryRun && !empty;
        if (!flags.json) io.stdout(describeDiff(diff));
        if (!flags.yes && !flags.dryRun && !empty) {
          if (!io.interactive) {
            if (flags.json) printJson(io, { diff, applied: false });
            throw new CliError('not applied: run again with --yes to apply it (or --dry-run to only look)');
          }
          apply = ['y', 'yes'].includes((await io.prompt(`apply these changes to project '${flags.project}'? [y/N] `)).trim().toLowerCase());
          if (!apply) throw new CliError('not applied');
        }
        if (!apply) return flags.json ? printJson(io, { diff, applied: false }) : undefined;
        try {
          const result = await client.schema.import(doc, { allowDrop: true });
          if (flags.json) return printJson(io, result);
          io.stdout(`applied to project '${flags.project}'\n`);
        } catch (err) {
          if (isBaasError(err)) throw new CliError(`not applied, nothing changed: ${err.message} (${err.code})`);
          throw err;
        }
      });
    });
}
