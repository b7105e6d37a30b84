import type { Command } from 'commander';
import { connect, withConnection, type ConnectionFlags } from '../connection.ts';
import { openInstance, withInstanceDir, type InstanceFlags } from '../instance.ts';
import type { Io } from '../io.ts';
import { CliError, fields, printJson, table } from '../output.ts';
import { generatePassword } from './init.ts';

type Flags = ConnectionFlags & { json?: boolean };

/**
 * `baas admins list|create|delete`, over HTTP through the SDK; `reset-password`
 * on the data directory. The new admin's
 * password is `--admin-password` (as in `baas init`): `--password` already
 * belongs to the admin who signs in to run the command.
 */
export function registerAdmins(program: Command, io: Io): void {
  const admins = program.command('admins').description("manage the instance's admins (admin)");

  withConnection(admins.command('list').description('list admins'))
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      const items = await (await connect(flags, io)).admin.admins.list();
      if (flags.json) return printJson(io, items);
      io.stdout(table(items, [['ID', (a) => a.id], ['EMAIL', (a) => a.email], ['CREATED', (a) => a.createdAt]], '(no admins)'));
    });

  withConnection(admins.command('create').description('create an admin (a generated password is printed once)'))
    .argument('<email>', "the new admin's email")
    .option('--admin-password <password>', 'their password, at least 10 characters (default: asked on a terminal, else generated)')
    .option('--json', 'print JSON (with "password" when it was generated)')
    .action(async (email: string, flags: Flags & { adminPassword?: string }) => {
      const client = await connect(flags, io);
      const chosen = flags.adminPassword ?? (await askPassword(io, email));
      const password = chosen ?? generatePassword();
      const admin = await client.admin.admins.create(email, password);
      const generated = chosen === undefined ? { password } : {};
      if (flags.json) return printJson(io, { ...admin, ...generated });
      const pairs: Array<[string, unknown]> = [['id', admin.id]];
      if (generated.password) pairs.push(['password', `${generated.password}   (generated: shown only now)`]);
      io.stdout(`created admin ${admin.email}\n\n${fields(pairs)}`);
    });

  withConnection(admins.command('delete').description('delete an admin and end their sessions'))
    .argument('<id-or-email>', 'admin id or email')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'allow deleting the admin you are signed in as (never the last admin)')
    .option('--json', 'print JSON')
    .action(async (idOrEmail: string, flags: Flags & { yes?: boolean; force?: boolean }) => {
      if (!flags.yes) await confirmDelete(idOrEmail, io);
      await (await connect(flags, io)).admin.admins.delete(idOrEmail, { force: flags.force });
      if (flags.json) return printJson(io, { deleted: idOrEmail });
      io.stdout(`deleted admin '${idOrEmail}'\n`);
    });

  registerResetPassword(admins, io);
}

/** `baas admins reset-password`: offline, on the data directory, so it works when nobody can sign in. */
function registerResetPassword(admins: Command, io: Io): void {
  withInstanceDir(admins.command('reset-password'))
    .description("set an admin's password on the data directory (offline: no sign-in needed) and end their sessions")
    .argument('<email>', "the admin's email")
    .option('--admin-password <password>', 'the new password, at least 10 characters (default: asked on a terminal, else generated)')
    .option('--json', 'print JSON (with "password" when it was generated)')
    .action(async (email: string, flags: InstanceFlags & { adminPassword?: string; json?: boolean }) => {
      const services = await openInstance(flags, io);
      try {
        const chosen = flags.adminPassword ?? (await askPassword(io, email));
        const password = chosen ?? generatePassword();
        const admin = await services.admins.resetPassword(email, password);
        const generated = chosen === undefined ? { password } : {};
        if (flags.json) return printJson(io, { ...admin, ...generated });
        const pairs: Array<[string, unknown]> = [['sessions', 'all ended']];
        if (generated.password) pairs.push(['password', `${generated.password}   (generated: shown only now)`]);
        io.stdout(`reset the password of ${admin.email}\n\n${fields(pairs)}`);
      } finally {
        await services.close();
      }
    });
}

/** On a terminal, the password typed twice; empty means "generate one". Undefined when nobody can answer. */
async function askPassword(io: Io, email: string): Promise<string | undefined> {
  if (!io.interactive) return undefined;
  const first = await io.prompt(`password for ${email} (empty: generate one): `, { secret: true });
  if (first === '') return undefined;
  const again = await io.prompt('again: ', { secret: true });
  if (again !== first) throw new CliError('the passwords differ: nothing was created');
  return first;
}

async function confirmDelete(idOrEmail: string, io: Io): Promise<void> {
  if (!io.interactive) throw new CliError(`deleting admin '${idOrEmail}' needs confirmation: pass --yes`);
  const answer = await io.prompt(`This deletes admin '${idOrEmail}' and ends their sessions. Type '${idOrEmail}' to confirm: `);
  if (answer.trim() !== idOrEmail) throw new CliError('not confirmed: nothing was deleted');
}
