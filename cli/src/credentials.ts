import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './output.ts';

/** An admin session stored by `baas login` for one server URL. */
export interface StoredSession {
  token: string;
  email: string;
  expiresAt: string;
}

interface CredentialsFile {
  version: 1;
  servers: Record<string, StoredSession>;
}

/** `$XDG_CONFIG_HOME/baas/credentials.json`, else `~/.config/baas/credentials.json`. */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'baas', 'credentials.json');
}

/** The stored, unexpired session for `url`, if any. */
export function storedSession(env: NodeJS.ProcessEnv, url: string): StoredSession | undefined {
  const session = read(credentialsPath(env)).servers[normalize(url)];
  if (!session || Date.parse(session.expiresAt) <= Date.now()) return undefined;
  return session;
}

/** Stores (or replaces) the session for `url`; the file is readable by its owner only. */
export function storeSession(env: NodeJS.ProcessEnv, url: string, session: StoredSession): string {
  const path = credentialsPath(env);
  const file = read(path);
  file.servers[normalize(url)] = session;
  write(path, file);
  return path;
}

/** Forgets the session for `url`; whether there was one. */
export function forgetSession(env: NodeJS.ProcessEnv, url: string): boolean {
  const path = credentialsPath(env);
  const file = read(path);
  if (!file.servers[normalize(url)]) return false;
  delete file.servers[normalize(url)];
  write(path, file);
  return true;
}

function normalize(url: string): string {
  return url.replace(/\/+$/, '');
}

function read(path: string): CredentialsFile {
  if (!existsSync(path)) return { version: 1, servers: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CredentialsFile>;
    return { version: 1, servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} };
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}): fix or delete it`);
  }
}

function write(path: string, file: CredentialsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  // Created 0600 before any secret is in it; rename keeps the mode.
  writeFileSync(temp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
