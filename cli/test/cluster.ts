import { createTempDatabase, tempDir } from '@baas/testkit';
import { createServer, connect, type Socket } from 'node:net';
import { startS3 } from '../../server/test/storage.ts';
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
  /** Process i listens on basePort + i; s3rver on basePort + 9. */
  basePort: number;
  /** The secret key of project `shop` (made by `baas init`). */
  secret: string;
  adminToken: string;
  /** Starts one more process (or restarts a killed one at index `i`), `env` added to its environment. */
  start(i: number, env?: Record<string, string>): Promise<Node>;
  /** The s3rver all processes store blobs in: stop it to make S3 unreachable, start it again. */
  s3: { stop(): Promise<void>; start(): Promise<void> };
  close(): Promise<void>;
}

const ADMIN_PASSWORD = 'correct horse battery staple';

/**
 * `baas init` on a fresh database and one s3rver bucket, then `count`
 * processes on ports `basePort` + i (s3rver on `basePort` + 9). `env` is
 * added to every process's environment.
 */
export async function startCluster(serverUrl: string, count: number, basePort: number, env: Record<string, string> = {}): Promise<Cluster> {
  const tmp = tempDir('baas-cluster-');
  const database = await createTempDatabase(serverUrl);
  let s3 = await startS3({ port: basePort + 9 });
  const s3Env = Object.fromEntries(Object.entries({
    BAAS_STORAGE_DRIVER: 's3', BAAS_S3_ENDPOINT: s3.overrides.s3Endpoint, BAAS_S3_BUCKET: 'baas', BAAS_S3_REGION: 'us-east-1',
    BAAS_S3_ACCESS_KEY_ID: 'S3RVER', BAAS_S3_SECRET_ACCESS_KEY: 'S3RVER', BAAS_S3_FORCE_PATH_STYLE: 'true', BAAS_S3_CHECKSUM_MODE: 'when_required',
  }).map(([k, v]) => [k, String(v)]));
  const processEnv = cliEnv(tmp.path, { BAAS_DATABASE_URL: database.url, ...s3Env, ...env });
  const init = await runBaas(['init', 'site', '--json', '--project', 'shop', '--admin-password', ADMIN_PASSWORD], { cwd: tmp.path, env: processEnv });
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const secret = JSON.parse(init.stdout).secretKey as string;
  const nodes: Node[] = [];
  const start = async (i: number, extra: Record<string, string> = {}): Promise<Node> => {
    const server = await startServe(['--dir', 'site', '--port', String(basePort + i), '--host', '127.0.0.1'], { cwd: tmp.path, env: { ...processEnv, ...extra } });
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
    await s3.close();
    throw err;
  }
  const login = await nodes[0].call('POST', '/v1/admin/auth/login', { body: { email: 'admin@example.com', password: ADMIN_PASSWORD } });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    nodes,
    databaseUrl: database.url,
    basePort,
    secret,
    adminToken: login.body.token,
    start,
    s3: {
      stop: () => s3.close(),
      async start() {
        s3 = await startS3({ port: basePort + 9 });
      },
    },
    async close() {
      await Promise.all(nodes.map((n) => n?.server.stop()));
      await database.drop();
      await s3.close().catch(() => {});
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

/**
 * A TCP proxy to `target` (host:port) on `port`: a database a process can
 * lose. `refuse()` closes the listener and cuts every open connection, so new
 * connections are refused; `accept()` listens again.
 */
export async function startProxy(port: number, target: { host: string; port: number }): Promise<{ refuse(): Promise<void>; accept(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server = createServer();
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };
  const refuse = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return { refuse, accept: listen, close: refuse };
}
