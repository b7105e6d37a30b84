import { tempDir } from '@baas/testkit';
import { cliEnv, runBaas, startServe, type Server } from '../../../cli/test/helpers.ts';

/** An initialized instance on disk (SQLite, or PostgreSQL with `databaseUrl`), ready to `serve` again and again. */
export interface Site {
  dir: string;
  secret: string;
  project: string;
  env: NodeJS.ProcessEnv;
  serve(extraEnv?: Record<string, string>): Promise<Server>;
  remove(): void;
}

/** `baas init` in a temp directory; `serve()` starts a real `baas serve` on it (port 0). */
export async function initSite(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<Site> {
  const tmp = tempDir('baas-integrity-');
  const env = cliEnv(tmp.path, options.env ?? {});
  const args = ['init', 'site', '--json', '--project', 'app', '--port', '0', ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : [])];
  const run = await runBaas(args, { cwd: tmp.path, env });
  if (run.code !== 0) throw new Error(`init failed: ${run.stderr}`);
  const init = JSON.parse(run.stdout) as { secretKey: string; project: { id: string } };
  return {
    dir: `${tmp.path}/site`,
    secret: init.secretKey,
    project: init.project.id,
    env,
    serve: (extraEnv = {}) => startServe(['--dir', 'site', '--port', '0'], { cwd: tmp.path, env: { ...env, ...extraEnv } }),
    remove: () => tmp.remove(),
  };
}
