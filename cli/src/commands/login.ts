import type { Command } from 'commander';
import { createClient } from '@baas/sdk';
import { resolveUrl } from '../connection.ts';
import { credentialsPath, forgetSession, storedSession, storeSession } from '../credentials.ts';
import type { Io } from '../io.ts';
import { CliError, printJson } from '../output.ts';

type Flags = { url?: string; email?: string; password?: string; json?: boolean };

/** `baas login` and `baas logout`: the admin session other commands use by default. */
export function registerLogin(program: Command, io: Io): void {
  program
    .command('login')
    .description(`sign in as an admin and store the token for that server in ${credentialsPath(io.env)}`)
    .option('--url <url>', 'server URL (env BAAS_URL; default: from ./baas.json, else http://127.0.0.1:8787)')
    .option('--email <email>', 'admin email (env BAAS_ADMIN_EMAIL; asked when missing)')
    .option('--password <password>', 'password (env BAAS_ADMIN_PASSWORD; asked when missing)')
    .option('--json', 'print JSON (includes the token)')
    .action(async (flags: Flags) => {
      const url = resolveUrl(flags, io);
      const email = flags.email ?? io.env.BAAS_ADMIN_EMAIL ?? (await ask(io, 'email: '));
      const password = flags.password ?? io.env.BAAS_ADMIN_PASSWORD ?? (await ask(io, `password for ${email}: `, true));
      const session = await createClient({ url }).admin.login(email, password);
      const file = storeSession(io.env, url, { token: session.token, email: session.admin.email, expiresAt: session.expiresAt });
      if (flags.json) return printJson(io, { url, email: session.admin.email, token: session.token, expiresAt: session.expiresAt, credentialsFile: file });
      io.stdout(`signed in to ${url} as ${session.admin.email} (until ${session.expiresAt}; token stored in ${file})\n`);
    });

  program
    .command('logout')
    .description('end the stored admin session on the server and forget its token')
    .option('--url <url>', 'server URL (env BAAS_URL; default: from ./baas.json, else http://127.0.0.1:8787)')
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      const url = resolveUrl(flags, io);
      const stored = storedSession(io.env, url);
      // Best effort: an unreachable server or an already-ended session must not keep the token on disk.
      const ended = stored ? await createClient({ url, token: stored.token }).admin.logout().then(() => true, () => false) : false;
      const forgotten = forgetSession(io.env, url);
      if (flags.json) return printJson(io, { url, forgotten, ended });
      if (!forgotten) return io.stdout(`no token was stored for ${url}\n`);
      io.stdout(ended ? `ended the session on ${url} and forgot its token\n` : `forgot the token for ${url} (the server did not end the session)\n`);
    });
}

async function ask(io: Io, question: string, secret = false): Promise<string> {
  if (!io.interactive) throw new CliError('no terminal to ask on: pass --email and --password (or env BAAS_ADMIN_EMAIL/BAAS_ADMIN_PASSWORD)');
  const answer = (await io.prompt(question, { secret })).trim();
  if (!answer) throw new CliError('nothing entered');
  return answer;
}
