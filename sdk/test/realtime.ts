// Helpers of the realtime tests (Node only; not part of the SDK's exports).
import { createServer, type AddressInfo } from 'node:net';
import type { Config } from '../../server/src/config.ts';
import { startServer } from './server.ts';
import { createClient, type ClientOptions } from '../src/index.ts';
import type { WebSocketLike } from '../src/realtime/realtime.ts';

/** Waits until `predicate` holds (polling), or fails after `timeout` ms naming `what`. */
export async function waitFor(predicate: () => unknown, what = 'condition', timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The `ws` WebSocket class, wrapped to count the sockets made and to fail
 * connecting while `blocked` (it then aims at a port nobody listens on, as
 * if the server were down).
 */
export async function socketKit() {
  // A closed port, as if the server were down (a 404 would be a missing project, which the client cannot tell apart).
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  // A specifier in a variable: the sdk has no types for `ws`, and needs none.
  const name = 'ws';
  const WS = ((await import(name)) as { default: WebSocketLike }).default;
  const made: WebSocket[] = [];
  const kit = {
    made: 0,
    blocked: false,
    Socket: WS,
    /** How many of the sockets made are open now. */
    open: () => made.filter((s) => s.readyState === 1).length,
  };
  kit.Socket = class extends WS {
    constructor(url: string) {
      kit.made++;
      super(kit.blocked ? `ws://127.0.0.1:${port}/` : url);
      made.push(this);
    }
  };
  return kit;
}

/** A server with a `todos` collection open to everyone, and helpers to reach it. */
export async function setup(teardown: (fn: () => unknown) => void, overrides: Partial<Config> = {}) {
  // The clients close before the server: otherwise they would reconnect to it while it stops.
  let stopServer: () => unknown = () => {};
  const { instance, url } = await startServer((fn) => (stopServer = fn), overrides);
  const clients: Array<{ close(): void }> = [];
  teardown(async () => {
    clients.forEach((c) => c.close());
    await stopServer();
  });
  /** An SDK client of project `app` (closed at teardown); `key` defaults to the service key. */
  const client = (options: Partial<ClientOptions> = {}) => {
    const c = createClient({ url, project: 'app', key: 'token' in options ? undefined : instance.secret, ...options });
    clients.push(c);
    return c;
  };
  const admin = client();
  await admin.collections.create({
    name: 'todos',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'done', type: 'boolean', default: false },
      { name: 'rank', type: 'integer' },
    ],
    rules: { list: '', view: '', create: '', update: '', delete: '' },
  });
  const server = instance.app.websocketServer;
  return {
    instance,
    url,
    client,
    admin,
    /** Realtime sockets the server holds now. */
    sockets: () => server.clients.size,
    /** Drops every realtime connection at once, without a close handshake (as a network failure would). */
    dropAll: () => server.clients.forEach((socket) => socket.terminate()),
    /** Signs a user up; answers the id and access token. */
    async signUp(email: string) {
      const res = await instance.request('POST', '/v1/projects/app/auth/signup', { body: { email, password: 'correct horse battery' } });
      if (res.status !== 201 && res.status !== 200) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.user.id as string, token: res.body.session.accessToken as string };
    },
  };
}
