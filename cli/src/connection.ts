import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaasError, createClient, type BaasClient } from '@baas/sdk';
import type { Command } from 'commander';
import { storedSession } from './credentials.ts';
import type { Io } from './io.ts';
import { CliError } from './output.ts';

/** The flags of every command that talks to a running server. */
export interface ConnectionFlags {
  url?: string;
  token?: string;
  email?: string;
  password?: string;
}

/** The server a command talks to when nothing says otherwise. */
export const defaultUrl = 'http://127.0.0.1:8787';

/** Adds --url, --token, --email and --password to a command. */
export function withConnection(command: Command): Command {
  return command
    .option('--url <url>', `server URL (env BAAS_URL; default: from ./baas.json, else ${defaultUrl})`)
    .option('--token <token>', 'admin token (env BAAS_TOKEN; default: the one stored by `baas login`)')
    .option('--email <email>', 'sign in with this admin email (env BAAS_ADMIN_EMAIL)')
    .option('--password <password>', 'and this password (env BAAS_ADMIN_PASSWORD)');
}

/** The server URL: --url, BAAS_URL, ./baas.json (http://host:port), or the default. */
export function resolveUrl(flags: ConnectionFlags, io: Io): string {
  const url = flags.url ?? io.env.BAAS_URL ?? urlFromBaasJson(io.cwd, io.env) ?? defaultUrl;
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliError(`'${url}' is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}

/** A URL clients can reach for a listen address (0.0.0.0 and :: mean this machine). */
export function urlFor(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * An SDK client signed in as an admin: --token/BAAS_TOKEN, else a sign-in with
 * --email/--password (or their env), else the session stored by `baas login`.
 */
export async function connect(flags: ConnectionFlags, io: Io, project?: string): Promise<BaasClient> {
  const url = resolveUrl(flags, io);
  const token = flags.token ?? io.env.BAAS_TOKEN;
  const client = createClient({ url, project, token: token || undefined });
  if (token) return client;
  const email = flags.email ?? io.env.BAAS_ADMIN_EMAIL;
  if (email) {
    const password = flags.password ?? io.env.BAAS_ADMIN_PASSWORD ?? (io.interactive ? await io.prompt(`password for ${email}: `, { secret: true }) : undefined);
    if (!password) throw new CliError('--email needs --password (or env BAAS_ADMIN_PASSWORD)');
    await client.admin.login(email, password);
    return client;
  }
  const stored = storedSession(io.env, url);
  if (!stored) throw new CliError(`not signed in to ${url}: run \`baas login\`, or pass --token or --email and --password`);
  client.setToken(stored.token);
  return client;
}

/** Where the server of ./baas.json listens; BAAS_PORT/BAAS_HOST win, as they do for `baas serve`. */
function urlFromBaasJson(dir: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = join(dir, 'baas.json');
  if (!existsSync(file)) return undefined;
  let config: { port?: unknown; host?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
  const port = Number(env.BAAS_PORT || (config.port ?? 8787));
  const host = env.BAAS_HOST || (typeof config.host === 'string' ? config.host : '127.0.0.1');
  return urlFor(host, port);
}

/**
 * Runs `fn` with a client of the project. A key (--key, else BAAS_KEY unless
 * --token or --email say to sign in as an admin) is the project's service
 * role; otherwise the admin credentials of every command.
 */
export async function withProjectClient<T>(flags: ConnectionFlags & { key?: string; project: string }, io: Io, fn: (client: BaasClient) => Promise<T>): Promise<T> {
  if (flags.key !== undefined && (flags.token !== undefined || flags.email !== undefined)) {
    throw new CliError('pass either --key or admin credentials (--token, --email), not both');
  }
  const key = flags.key ?? (flags.token === undefined && flags.email === undefined ? io.env.BAAS_KEY || undefined : undefined);
  const client = key === undefined ? await connect(flags, io, flags.project) : createClient({ url: resolveUrl(flags, io), project: flags.project, key });
  try {
    return await fn(client);
  } catch (err) {
    // The generic hint (`baas login`, --token) is about admin tokens, not keys.
    if (key !== undefined && err instanceof BaasError && err.code === 'invalid_token') {
      throw new CliError(`${err.message} (invalid_token): check --key (or env BAAS_KEY)`);
    }
    throw err;
  } finally {
    client.close();
  }
}
