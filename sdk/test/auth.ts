// Helpers of the auth tests (*.test.ts here); not part of the SDK.
import { startServer } from './server.ts';
import { createClient, type AuthEvent, type BaasClient, type ClientOptions, type Session } from '../src/index.ts';

export const PASSWORD = 'correct horse battery';

/** A fetch that records `METHOD /path` of every call and can be switched off like a lost network. */
export function traffic() {
  const calls: string[] = [];
  const net = {
    calls,
    offline: false,
    fetch: (async (input, init) => {
      const url = new URL(String(input));
      calls.push(`${init?.method ?? 'GET'} ${url.pathname.replace(/^\/v1\/projects\/app/, '')}`);
      if (net.offline) throw new TypeError('fetch failed', { cause: { code: 'ENETUNREACH' } });
      return fetch(input, init);
    }) as typeof fetch,
    /** How many calls went to `path` (after `/v1/projects/app`). */
    count: (path: string) => calls.filter((c) => c.endsWith(` ${path}`)).length,
  };
  return net;
}

type Teardown = (fn: () => unknown) => void;

/** A server whose access tokens live `ttl` seconds (when given), and a factory of clients of its project `app`. */
export async function setup(teardown: Teardown, ttl?: number) {
  const { instance, url } = await startServer(teardown);
  if (ttl) {
    const res = await instance.request('PATCH', instance.p('/auth/settings'), { token: instance.secret, body: { accessTokenTtl: ttl } });
    if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const client = (options: Partial<ClientOptions> = {}): BaasClient => {
    const c = createClient({ url, project: 'app', ...options });
    teardown(() => c.close());
    return c;
  };
  return { instance, url, client };
}

/** The events a client reports from now on, as `event:email` (`-` for no session). */
export function recorder(client: BaasClient): string[] {
  const seen: string[] = [];
  client.auth.onAuthStateChange((event, session) => seen.push(`${event}:${session ? (session.user.email ?? session.user.id) : '-'}`));
  return seen;
}

/** The next `event` of a client (fails after `ms`). */
export function next(client: BaasClient, event: AuthEvent, ms = 10_000): Promise<Session | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    const stop = client.auth.onAuthStateChange((e, session) => {
      if (e !== event) return;
      clearTimeout(timer);
      stop();
      resolve(session);
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the client's access token has expired (per the server's `expiresAt`). */
export async function expiry(client: BaasClient): Promise<void> {
  await sleep(Date.parse(client.auth.session!.session.expiresAt) - Date.now() + 50);
}

/** The newest mail to `to` in the project's outbox (no SMTP in tests), once the queued mail work is done. */
export async function mailTo(instance: Awaited<ReturnType<typeof startServer>>['instance'], to: string): Promise<{ token: string; code?: string }> {
  await instance.app.baas.mailer.idle();
  const res = await instance.request('GET', instance.p('/auth/outbox'), { token: instance.secret });
  const mail = (res.body.items as { to: string; text: string }[]).find((m) => m.to === to);
  const token = /#type=\w+&token=([\w-]+)/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no mail with a link to ${to}`);
  return { token, code: /code: (\d{6})/.exec(mail!.text)?.[1] };
}
