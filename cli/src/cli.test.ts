import t, { type Test } from 'tap';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@baas/testkit';
import { cliEnv, runBaas, startServe, type Server } from '../test/helpers.ts';

// The real `baas` process end to end: init on disk, serve in the background,
// and the HTTP commands (through the SDK) against it. Finer cases run
// in-process in program.test.ts; each spawn here costs about a second.
const tmp = tempDir('baas-cli-');
t.teardown(() => tmp.remove());
const env = cliEnv(tmp.path);
const baas = (args: string[]) => runBaas(args, { cwd: tmp.path, env });
const servers: Server[] = [];
t.teardown(async () => {
  for (const server of servers) await server.stop();
});

/** Exactly one line on stderr, starting with `error: `. */
function oneErrorLine(t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, `one line: ${stderr}`);
  t.match(lines[0], /^error: /);
  t.match(lines[0], pattern);
}

type Init = { dir: string; url: string; project: { id: string }; secretKey: string; admin: { email: string; password?: string } };
let init: Init;

t.test('init --json creates the config, the data, an admin and a project; a second init refuses', async (t) => {
  const run = await baas(['init', 'site', '--json', '--project', 'blog', '--port', '18999']);
  t.equal(run.code, 0, run.stderr);
  init = JSON.parse(run.stdout);
  t.match(init, {
    dir: join(tmp.path, 'site'),
    url: 'http://127.0.0.1:18999',
    project: { id: 'blog' },
    secretKey: /^sk_/,
    admin: { email: 'admin@example.com', password: /^[A-Za-z0-9]{20}$/ },
  });
  t.equal(run.stderr, '', '--json prints no progress');
  t.same(JSON.parse(readFileSync(join(tmp.path, 'site/baas.json'), 'utf8')), { port: 18999, host: '127.0.0.1', dataDir: 'data' });
  t.ok(statSync(join(tmp.path, 'site/data')).isDirectory());

  const again = await baas(['init', 'site']);
  t.equal(again.code, 1);
  oneErrorLine(t, again.stderr, /site\/baas\.json already exists/);
  t.equal(again.stdout, '');
});

t.test('serve, then projects and keys through the SDK with --email/--password', async (t) => {
  const server = await startServe(['--dir', 'site', '--port', '0'], { cwd: tmp.path, env });
  servers.push(server);
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const auth = ['--url', server.url, '--email', init.admin.email, '--password', init.admin.password!];

  let run = await baas(['projects', 'create', 'shop', '--name', 'The Shop', '--json', ...auth]);
  t.equal(run.code, 0, run.stderr);
  t.match(JSON.parse(run.stdout), { project: { id: 'shop', name: 'The Shop' }, keys: [{ secret: /^sk_/ }] });
  run = await baas(['projects', 'list', '--json', ...auth]);
  t.same(JSON.parse(run.stdout).map((p: { id: string }) => p.id), ['blog', 'shop']);

  run = await baas(['keys', 'create', '--project', 'shop', '--name', 'ci', '--json', ...auth]);
  t.equal(run.code, 0, run.stderr);
  const key = JSON.parse(run.stdout);
  t.match(key, { name: 'ci', secret: /^sk_/ });
  run = await baas(['keys', 'list', '--project', 'shop', '--json', ...auth]);
  t.same(JSON.parse(run.stdout).map((k: { name: string }) => k.name), ['default', 'ci']);
  run = await baas(['keys', 'revoke', key.id, '--project', 'shop', '--json', ...auth]);
  t.equal(run.code, 0, run.stderr);
  t.same(JSON.parse(run.stdout), { revoked: key.id });

  run = await baas(['projects', 'delete', 'shop', '--yes', '--json', ...auth]);
  t.equal(run.code, 0, run.stderr);
  t.same(JSON.parse(run.stdout), { deleted: 'shop' });

  // admins: a generated password is printed once and works for the next command
  run = await baas(['admins', 'create', 'ops@example.com', '--json', ...auth]);
  t.equal(run.code, 0, run.stderr);
  const ops = JSON.parse(run.stdout);
  t.match(ops, { email: 'ops@example.com', password: /^[A-Za-z0-9]{20}$/ });
  run = await baas(['admins', 'list', '--json', '--url', server.url, '--email', 'ops@example.com', '--password', ops.password]);
  t.same(JSON.parse(run.stdout).map((a: { email: string }) => a.email), ['admin@example.com', 'ops@example.com']);
  run = await baas(['admins', 'delete', 'ops@example.com', ...auth]);
  t.equal(run.code, 1, 'no terminal: --yes required');
  oneErrorLine(t, run.stderr, /needs confirmation: pass --yes$/);
  run = await baas(['admins', 'delete', 'ops@example.com', '--yes', '--json', ...auth]);
  t.same(JSON.parse(run.stdout), { deleted: 'ops@example.com' });

  run = await baas(['projects', 'list', '--url', server.url, '--token', 'adm_nope']);
  t.equal(run.code, 1);
  oneErrorLine(t, run.stderr, /the admin session is unknown or expired \(invalid_token\)/);

  t.equal(await server.stop(), 0, 'a clean shutdown on SIGTERM');
  t.match(server.stderr(), /SIGTERM: stopping/);
  run = await baas(['projects', 'list', '--url', server.url, '--token', 'adm_x']);
  t.equal(run.code, 1);
  oneErrorLine(t, run.stderr, new RegExp(`^error: the server is not reachable at ${server.url} \\(ECONNREFUSED\\)$`));
});

t.test('serve --init (what `pnpm start` runs) sets up a missing instance, then serves', async (t) => {
  const server = await startServe(['--init', '--dir', 'fresh', '--port', '0', '--admin-password', 'another long password'], { cwd: tmp.path, env });
  servers.push(server);
  t.match(JSON.parse(server.stderr().trim().split('\n').pop()!), { init: { project: { id: 'app' }, secretKey: /^sk_/ } });
  t.ok(existsSync(join(tmp.path, 'fresh/baas.json')));
  t.equal(await server.stop(), 0);
});

t.test('--help and usage errors of the real binary', async (t) => {
  const [help, unknown] = await Promise.all([baas(['keys', 'create', '--help']), baas(['frobnicate'])]);
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: baas keys create \[options\]/);
  t.match(help.stdout, /--project <id>/);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /^error: unknown command 'frobnicate'/);
});
