import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, fields, printJson, table } from '../output.ts';

type Flags = ConnectionFlags & { json?: boolean };

/** `baas projects list|create|delete`, over HTTP through the SDK. */
export function registerProjects(program: Command, io: Io): void {
  const projects = program.command('projects').description("manage the instance's projects (admin)");

  withConnection(projects.command('list').description('list projects'))
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      const items = await (await connect(flags, io)).admin.projects.list();
      if (flags.json) return printJson(io, items);
      io.stdout(table(items, [['ID', (p) => p.id], ['NAME', (p) => p.name], ['CREATED', (p) => p.createdAt]], '(no projects)'));
    });

  withConnection(projects.command('create').description('create a project and its first secret key'))
    .argument('<id>', 'project id: lowercase letters, digits, - and _')
    .option('--name <name>', 'display name (default: the id)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: Flags & { name?: string }) => {
      const created = await (await connect(flags, io)).admin.projects.create(id, { name: flags.name });
      if (flags.json) return printJson(io, created);
      io.stdout(`created project '${created.project.id}'\n\n${fields([
        ['name', created.project.name],
        ['secret key', `${created.keys[0]?.secret}   (shown only now: keep it on your servers)`],
      ])}`);
    });

  withConnection(projects.command('delete').description('delete a project and all its data'))
    .argument('<id>', 'project id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: Flags & { yes?: boolean }) => {
      if (!flags.yes) await confirmDelete(id, io);
      await (await connect(flags, io)).admin.projects.delete(id);
      if (flags.json) return printJson(io, { deleted: id });
      io.stdout(`deleted project '${id}'\n`);
    });
}

async function confirmDelete(id: string, io: Io): Promise<void> {
  if (!io.interactive) throw new CliError(`deleting project '${id}' needs confirmation: pass --yes`);
  const answer = await io.prompt(`This deletes project '${id}' and all its data. Type the project id to confirm: `);
  if (answer.trim() !== id) throw new CliError('not confirmed: nothing was deleted');
}
