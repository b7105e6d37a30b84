import { createTempDatabase, tempDir } from '@baas/testkit';
import { cliEnv, runBaas, startServe, type Server } from './helpers.ts';

/** One `baas serve` of a cluster, with a small API client. */
export interface Node {
  server: Server;
  url: string;
  /** Calls the API; `token` goes into `Authorization: Bearer`. Answers status and parsed body. */
  call(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any; headers: Headers }>;
  /** The project's realtime URL on this process. */
  realtimeUrl(project?: string): string;
}

/** N real `baas serve` processes on one fresh PostgreSQL database: what docs/deployment.md describes. */
export interface Cluster {
  nodes: Node[];
  databaseUrl: string;
  /** The secret key of project `shop` (made by `baas init`). */
  secret: string;
  adminToken: string;
  /** Starts one more process (or restarts a killed one at index `i`). */
  start(i: number): Promise<Node>;
  close(): Promise<void>;
}

const ADMIN_PASSWORD = 'correct horse battery staple';

/**
 * `baas init` on a fresh database, then `count` processes on ports of
 * `basePort` + i. `env` is added to every process's environment.
 */
export async function startCluster(serverUrl: string, count: number, basePort: number, env: Record<string, string> = {}): Promise<Cluster> {
  const tmp = tempDir('baas-cluster-');
  const database = await createTempDatabase(serverUrl);
  const processEnv = cliEnv(tmp.path, { BAAS_DATABASE_URL: database.url, ...env });
  const init = await runBaas(['init', 'site', '--json', '--project', 'shop', '--admin-password', ADMIN_PASSWORD], { cwd: tmp.path, env: processEnv });
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const secret = JSON.parse(init.stdout).secretKey as string;
  const nodes: Node[] = [];
  const start = async (i: number): Promise<Node> => {
    const server = await startServe(['--dir', 'site', '--port', String(basePort + i), '--host', '127.0.0.1'], { cwd: tmp.path, env: processEnv });
    const node: Node = {
      server,
      url: server.url,
      async call(method, path, options = {}) {
        const headers: Record<string, string> = {};
        if (options.token) headers.authorization = `Bearer ${options.token}`;
        if (options.body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
      },
      realtimeUrl: (project = 'shop') => `${server.url.replace(/^http/, 'ws')}/v1/projects/${project}/realtime`,
    };
    nodes[i] = node;
    return node;
  };
  try {
    for (let i = 0; i < count; i++) await start(i);
  } catch (err) {
    await Promise.all(nodes.map((n) => n?.server.stop()));
    await database.drop();
    throw err;
  }
  const login = await nodes[0].call('POST', '/v1/admin/auth/login', { body: { email: 'admin@example.com', password: ADMIN_PASSWORD } });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    nodes,
    databaseUrl: database.url,
    secret,
    adminToken: login.body.token,
    start,
    async close() {
      await Promise.all(nodes.map((n) => n?.server.stop()));
      await database.drop();
      tmp.remove();
    },
  };
}

/** Polls `probe` until it answers true; answers the milliseconds it took, or throws after `timeoutMs`. */
export async function within(timeoutMs: number, probe: () => Promise<boolean>, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
