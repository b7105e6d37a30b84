import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { fields, printJson, table } from '../output.ts';

type Flags = ConnectionFlags & { project: string; json?: boolean };

/** `baas keys list|create|revoke` of one project, over HTTP through the SDK. */
export function registerKeys(program: Command, io: Io): void {
  const keys = program.command('keys').description("manage a project's secret keys");
  const scoped = (command: Command) =>
    withConnection(command)
      .option('--project <id>', 'the project (env BAAS_PROJECT)', io.env.BAAS_PROJECT || 'app')
      .option('--json', 'print JSON');

  scoped(keys.command('list').description('list the secret keys (never the secrets)')).action(async (flags: Flags) => {
    const items = await (await connect(flags, io, flags.project)).keys.list();
    if (flags.json) return printJson(io, items);
    io.stdout(table(items, [['ID', (k) => k.id], ['NAME', (k) => k.name], ['PREFIX', (k) => `${k.prefix}…`], ['CREATED', (k) => k.createdAt]], '(no keys)'));
  });

  scoped(keys.command('create').description('create a secret key (its secret is shown once)'))
    .option('--name <name>', 'what the key is for', 'key')
    .action(async (flags: Flags & { name: string }) => {
      const key = await (await connect(flags, io, flags.project)).keys.create({ name: flags.name });
      if (flags.json) return printJson(io, key);
      io.stdout(`created key '${key.name}' for project '${flags.project}'\n\n${fields([
        ['id', key.id],
        ['secret', `${key.secret}   (shown only now: keep it on your servers)`],
      ])}`);
    });

  scoped(keys.command('revoke').description('revoke a secret key: requests using it fail from now on'))
    .argument('<id>', 'key id (see `baas keys list`)')
    .action(async (id: string, flags: Flags) => {
      await (await connect(flags, io, flags.project)).keys.revoke(id);
      if (flags.json) return printJson(io, { revoked: id });
      io.stdout(`revoked key ${id}\n`);
    });
}
