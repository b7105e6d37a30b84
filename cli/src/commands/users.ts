import type { BaasClient, UserPatch } from '@baas/sdk';
import { filter } from '@baas/sdk';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { withConnection, withProjectClient, type ConnectionFlags } from '../connection.ts';
import type { Io } from '../io.ts';
import { CliError, printJson, table } from '../output.ts';

type Flags = ConnectionFlags & { project: string; key?: string; json?: boolean };

function parseJsonObject(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // below
  }
  throw new InvalidArgumentError('must be a JSON object, e.g. \'{"plan":"pro"}\'');
}

function parseBoolean(value: string): boolean {
  if (['true', 'yes', '1'].includes(value)) return true;
  if (['false', 'no', '0'].includes(value)) return false;
  throw new InvalidArgumentError('must be true or false');
}

/** A user's id from an id or an email. */
async function userId(client: BaasClient, idOrEmail: string): Promise<string> {
  if (!idOrEmail.includes('@')) return idOrEmail;
  const { items } = await client.users.list({ filter: filter('email = {:email}', { email: idOrEmail.toLowerCase() }), limit: 1 });
  if (!items[0]) throw new CliError(`no user with email '${idOrEmail}'`);
  return items[0].id;
}

/** `baas users ...`: a project's users and their sessions, over HTTP through the SDK. */
export function registerUsers(program: Command, io: Io): void {
  const users = program.command('users').description("manage a project's users and their sessions (service role or admin)");
  const scoped = (command: Command) =>
    withConnection(command)
      .option('--project <id>', 'the project (env BAAS_PROJECT)', io.env.BAAS_PROJECT || 'app')
      .option('--key <sk_...>', 'a secret key of the project instead of an admin (env BAAS_KEY)')
      .option('--json', 'print JSON');

  scoped(users.command('list').description('list users, newest first'))
    .option('--filter <expr>', "a filter in the rule language, e.g. \"verified = false && email ~ 'example.com'\"")
    .option('--limit <n>', 'at most this many (default 100)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 100)
    .action(async (flags: Flags & { filter?: string; limit: number }) => {
      const items = await withProjectClient(flags, io, async (client) => {
        const all = [];
        let cursor: string | undefined;
        do {
          const page = await client.users.list({ filter: flags.filter, sort: '-created_at', limit: Math.min(500, flags.limit - all.length), cursor });
          all.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && all.length < flags.limit);
        return all;
      });
      if (flags.json) return printJson(io, items);
      io.stdout(table(items, [
        ['ID', (u) => u.id],
        ['EMAIL', (u) => u.email ?? (u.anonymous ? '(anonymous)' : '')],
        ['VERIFIED', (u) => (u.verified ? 'yes' : 'no')],
        ['ROLE', (u) => u.role],
        ['DISABLED', (u) => (u.disabled ? 'yes' : '')],
        ['CREATED', (u) => u.createdAt],
      ], '(no users)'));
    });

  scoped(users.command('create').description('create a user'))
    .argument('<email>', 'their email')
    .option('--user-password <password>', 'their password (default: none: they sign in by magic link or OAuth, or reset it)')
    .option('--verified', 'mark the email as verified')
    .option('--role <role>', 'their role (rules read it as auth.role)')
    .option('--data <json>', 'profile data, a JSON object', parseJsonObject)
    .action(async (email: string, flags: Flags & { userPassword?: string; verified?: boolean; role?: string; data?: Record<string, unknown> }) => {
      const user = await withProjectClient(flags, io, (client) =>
        client.users.create({ email, password: flags.userPassword, verified: flags.verified, role: flags.role, data: flags.data }));
      if (flags.json) return printJson(io, user);
      io.stdout(`created user ${user.email} (${user.id})\n`);
    });

  scoped(users.command('update').description('change a user'))
    .argument('<id-or-email>', 'the user')
    .option('--new-email <email>', 'a new email (--email is the signing-in admin\'s)')
    .option('--user-password <password>', 'a new password')
    .option('--verified <bool>', 'true or false', parseBoolean)
    .option('--role <role>', "a new role ('' removes it)")
    .option('--data <json>', 'new profile data, a JSON object', parseJsonObject)
    .option('--disable', 'disable them (their sessions end at once)')
    .option('--enable', 'enable them again')
    .action(async (idOrEmail: string, flags: Flags & { userPassword?: string; verified?: boolean; role?: string; data?: Record<string, unknown>; disable?: boolean; enable?: boolean; newEmail?: string }) => {
      if (flags.disable && flags.enable) throw new CliError('--disable and --enable contradict each other');
      const changes: UserPatch = {
        ...(flags.newEmail !== undefined ? { email: flags.newEmail } : {}),
        ...(flags.userPassword !== undefined ? { password: flags.userPassword } : {}),
        ...(flags.verified !== undefined ? { verified: flags.verified } : {}),
        ...(flags.role !== undefined ? { role: flags.role === '' ? null : flags.role } : {}),
        ...(flags.data !== undefined ? { data: flags.data } : {}),
        ...(flags.disable ? { disabled: true } : flags.enable ? { disabled: false } : {}),
      };
      if (Object.keys(changes).length === 0) throw new CliError('nothing to change: pass --new-email, --user-password, --verified, --role, --data, --disable or --enable');
      const user = await withProjectClient(flags, io, async (client) => client.users.update(await userId(client, idOrEmail), changes));
      if (flags.json) return printJson(io, user);
      io.stdout(`updated user ${user.email ?? user.id}\n`);
    });

  scoped(users.command('delete').description('delete a user and their sessions'))
    .argument('<id-or-email>', 'the user')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (idOrEmail: string, flags: Flags & { yes?: boolean }) => {
      if (!flags.yes) {
        if (!io.interactive) throw new CliError(`deleting user '${idOrEmail}' needs confirmation: pass --yes`);
        const answer = await io.prompt(`This deletes user '${idOrEmail}' and their sessions. Type '${idOrEmail}' to confirm: `);
        if (answer.trim() !== idOrEmail) throw new CliError('not confirmed: nothing was deleted');
      }
      const id = await withProjectClient(flags, io, async (client) => {
        const found = await userId(client, idOrEmail);
        await client.users.delete(found);
        return found;
      });
      if (flags.json) return printJson(io, { deleted: id });
      io.stdout(`deleted user ${idOrEmail}\n`);
    });

  scoped(users.command('sessions').description("list a user's live sessions"))
    .argument('<id-or-email>', 'the user')
    .action(async (idOrEmail: string, flags: Flags) => {
      const items = await withProjectClient(flags, io, async (client) => client.users.sessions(await userId(client, idOrEmail)));
      if (flags.json) return printJson(io, items);
      io.stdout(table(items, [['ID', (s) => s.id], ['METHOD', (s) => s.method], ['IP', (s) => s.ip], ['LAST USED', (s) => s.lastUsedAt], ['EXPIRES', (s) => s.expiresAt], ['USER AGENT', (s) => s.userAgent]], '(no sessions)'));
    });

  scoped(users.command('revoke').description("end a user's sessions: all of them, or the one named"))
    .argument('<id-or-email>', 'the user')
    .argument('[session-id]', 'only this session (see `baas users sessions`)')
    .action(async (idOrEmail: string, sessionId: string | undefined, flags: Flags) => {
      const revoked = await withProjectClient(flags, io, async (client) => {
        const id = await userId(client, idOrEmail);
        if (sessionId === undefined) return client.users.revokeSessions(id);
        await client.users.revokeSession(id, sessionId);
        return 1;
      });
      if (flags.json) return printJson(io, { revoked });
      io.stdout(`ended ${revoked} session${revoked === 1 ? '' : 's'} of ${idOrEmail}\n`);
    });
}
