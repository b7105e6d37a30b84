import type { FastifyInstance } from 'fastify';
import { createTempDatabase, engines, tempDir } from '@baas/testkit';
import { buildApp, type BuildOptions } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { serviceContextOf, type ServiceContext } from '../src/services/context.ts';

/** A running instance for one test: an admin, a project `app` and its secret key. */
export interface TestInstance {
  app: FastifyInstance;
  engine: 'sqlite' | 'postgres';
  adminToken: string;
  secret: string;
  project: string;
  /** Calls the API in-process. `token` goes into `Authorization: Bearer`. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  /** Shorthand for project paths: `/v1/projects/app` + path. */
  p(path: string): string;
  /** The service role's context on the project `app`, for tests that call a service directly. */
  serviceContext(): Promise<ServiceContext>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

type Tap = { test: (name: string, fn: (t: any) => Promise<void>) => unknown; teardown: (fn: () => unknown) => void };

/**
 * Runs `fn` once per engine (SQLite always; PostgreSQL when
 * BAAS_TEST_DATABASE_URL is set, and required under BAAS_TEST_NO_SKIP=1),
 * each with a fresh instance that is torn down afterwards.
 */
export function forEachEngine(t: Tap, name: string, fn: (t: any, instance: TestInstance) => Promise<void>): void {
  for (const engine of engines()) {
    t.test(`${name} [${engine.name}]`, async (t: any) => {
      const instance = await startInstance(engine.name, engine.databaseUrl);
      t.teardown(() => instance.close());
      await fn(t, instance);
    });
  }
}

/** A fresh instance on an engine; `close()` stops it and removes its data. */
export async function startInstance(
  engine: 'sqlite' | 'postgres',
  serverUrl?: string,
  overrides: Partial<Config> = {},
  buildOptions: BuildOptions = {},
): Promise<TestInstance & { close(): Promise<void> }> {
  const dir = tempDir();
  const database = engine === 'postgres' ? await createTempDatabase(serverUrl!) : undefined;
  // Rate limits are off by default: functional suites sign in far more often than
  // a person would. rate-limits.test.ts turns them on.
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path, backupDir: `${dir.path}/backups`, databaseUrl: database?.url, logLevel: 'silent', rateLimits: false, ...overrides } });
  const app = await buildApp(config, buildOptions);
  await app.baas.admins.create('admin@example.com', 'correct horse battery');
  const { token } = await app.baas.admins.login('admin@example.com', 'correct horse battery');
  const { keys } = await app.baas.projects.create('app', 'Test app');

  const request: TestInstance['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await app.inject({ method: method as 'GET', url: path, headers, payload: options.body as string | object | undefined });
    let body: unknown = res.body;
    if (String(res.headers['content-type'] ?? '').includes('json') && res.body) body = JSON.parse(res.body);
    return { status: res.statusCode, body, headers: res.headers };
  };

  return {
    app,
    engine,
    adminToken: token,
    secret: keys[0].secret,
    project: 'app',
    request,
    p: (path) => `/v1/projects/app${path}`,
    serviceContext: async () => serviceContextOf(app.baas, (await app.baas.registry.get('app'))!, { kind: 'service', keyId: keys[0].id }, app.log),
    async close() {
      await app.close();
      await database?.drop();
      dir.remove();
    },
  };
}
