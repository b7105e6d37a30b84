import t from 'tap';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@baas/testkit';
import { startInstance } from '../../server/test/harness.ts';
import { memoryIo } from '../test/helpers.ts';
import { runCli } from './program.ts';
import { describeInit } from './commands/init.ts';

// The program in-process (no spawning): the same commands, against a real server on a port.
const instance = await startInstance('sqlite');
await instance.app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}`;
const tmp = tempDir('baas-cli-program-');
t.teardown(async () => {
  await instance.close();
  tmp.remove();
});
const env = { XDG_CONFIG_HOME: join(tmp.path, 'config') };

/** Runs the CLI in-process; `answers` makes it interactive. */
async function cli(args: string[], options: { answers?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const io = memoryIo({ cwd: tmp.path, env: { ...env, ...options.env }, answers: options.answers });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
const admin = ['--url', url, '--token', instance.adminToken];

t.test('--help works for every command', async (t) => {
  const commands = ['', 'init', 'serve', 'login', 'logout', 'projects', 'projects list', 'projects create', 'projects delete', 'keys', 'keys list', 'keys create', 'keys revoke'];
  for (const command of commands) {
    const run = await cli([...command.split(' ').filter(Boolean), '--help']);
    t.equal(run.code, 0, command);
    t.match(run.out, new RegExp(`^Usage: baas${command ? ' ' + command : ''} `), command);
  }
  const version = await cli(['--version']);
  t.match(version, { code: 0, out: /^\d+\.\d+\.\d+\n$/ });
});

t.test('usage errors exit 1 with one line', async (t) => {
  t.match(await cli(['projects', 'create']), { code: 1, err: /^error: missing required argument 'id'\n/ });
  t.match(await cli(['keys', 'list', '--nope']), { code: 1, err: /^error: unknown option '--nope'\n/ });
  t.match(await cli(['serve', '--port', 'x']), { code: 1, err: /^error: option '--port <port>' argument 'x' is invalid\. must be an integer/ });
});

t.test('projects: human output, errors, confirmation', async (t) => {
  let run = await cli(['projects', 'create', 'shop', '--name', 'The Shop', ...admin]);
  t.equal(run.code, 0, run.err);
  t.match(run.out, /^created project 'shop'\n\n  name        The Shop\n  secret key  sk_\S+ +\(shown only now/);

  run = await cli(['projects', 'create', 'shop', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: project 'shop' exists (conflict)\n" });
  run = await cli(['projects', 'create', 'Not Valid', ...admin]);
  t.match(run.err, /^error: invalid project id \(validation_failed\): id: lowercase letters[^\n]*\n$/);

  run = await cli(['projects', 'list', ...admin]);
  t.match(run.out, /^ID +NAME +CREATED\napp +Test app +\S+\nshop +The Shop +\S+\n$/, 'an aligned table');
  const [header, first] = run.out.split('\n');
  t.equal(header.indexOf('CREATED'), first.indexOf('20'), 'columns line up');

  run = await cli(['projects', 'delete', 'shop', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: deleting project 'shop' needs confirmation: pass --yes\n" }, 'no terminal: --yes required');
  run = await cli(['projects', 'delete', 'shop', ...admin], { answers: ['shoe'] });
  t.match(run, { code: 1, err: /Type the project id to confirm: error: not confirmed: nothing was deleted\n$/ });
  run = await cli(['projects', 'delete', 'shop', ...admin], { answers: ['shop'] });
  t.match(run, { code: 0, out: "deleted project 'shop'\n" });
  run = await cli(['projects', 'delete', 'shop', '--yes', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: no project 'shop' (project_not_found)\n" });
});

t.test('keys: human output and a secret key as --token', async (t) => {
  let run = await cli(['keys', 'create', '--name', 'ci', ...admin]);
  t.match(run.out, /^created key 'ci' for project 'app'\n\n  id      \S+\n  secret  sk_/);
  run = await cli(['keys', 'list', '--url', url, '--token', instance.secret]);
  t.match(run.out, /^ID +NAME +PREFIX +CREATED\n\S+ +default +sk_\S+… +\S+\n\S+ +ci +sk_\S+… +\S+\n$/);
  const id = run.out.split('\n')[2].split(' ')[0];
  run = await cli(['keys', 'revoke', id, '--url', url, '--token', instance.secret]);
  t.same(run, { code: 0, out: `revoked key ${id}\n`, err: '' });
  run = await cli(['keys', 'revoke', id, ...admin]);
  t.same(run.err, `error: no key '${id}' (key_not_found)\n`);
  run = await cli(['keys', 'list', '--project', 'nope', ...admin]);
  t.same(run.err, "error: no project 'nope' (project_not_found)\n");
});

t.test('credentials: --email/--password, login, stored token, logout', async (t) => {
  let run = await cli(['projects', 'list', '--url', url]);
  t.same(run, { code: 1, out: '', err: `error: not signed in to ${url}: run \`baas login\`, or pass --token or --email and --password\n` });
  run = await cli(['projects', 'list', '--url', url, '--email', 'admin@example.com', '--password', 'nope nope nope']);
  t.same(run.err, 'error: wrong email or password (invalid_credentials)\n');
  run = await cli(['projects', 'list', '--json', '--url', url], { env: { BAAS_ADMIN_EMAIL: 'admin@example.com', BAAS_ADMIN_PASSWORD: 'correct horse battery' } });
  t.equal(run.code, 0, run.err);

  run = await cli(['login', '--url', url]);
  t.match(run, { code: 1, err: /^error: no terminal to ask on/ });
  run = await cli(['login', '--url', url, '--json'], { answers: ['admin@example.com', 'correct horse battery'] });
  t.equal(run.code, 0, run.err);
  t.match(run.err, /email: password for admin@example.com: /);
  const login = JSON.parse(run.out);
  t.match(login, { url, email: 'admin@example.com', token: /^adm_/, credentialsFile: join(tmp.path, 'config/baas/credentials.json') });
  t.equal(statSync(login.credentialsFile).mode & 0o777, 0o600);

  // the stored token is used for that URL (here from BAAS_URL) when none is given
  run = await cli(['keys', 'list', '--json'], { env: { BAAS_URL: url + '/' } });
  t.equal(run.code, 0, run.err);
  t.equal(JSON.parse(run.out).length, 1);

  run = await cli(['logout', '--url', url]);
  t.same(run.out, `ended the session on ${url} and forgot its token\n`);
  t.equal(await instance.app.baas.admins.authenticate(login.token), undefined, 'the server ended the session too');
  run = await cli(['keys', 'list', '--url', url]);
  t.match(run.err, /^error: not signed in/);
});

t.test('init in-process: progress, credentials, and cleanup after a bad value', async (t) => {
  let run = await cli(['init', 'one', '--admin-email', 'ops@example.com', '--admin-password', 'a long enough password', '--project', 'blog']);
  t.equal(run.code, 0, run.err);
  t.match(run.err, /^\[1\/5\] creating the data directory [^\n]+\n\[2\/5\] opening the instance store \(sqlite\)\n\[3\/5\] creating admin ops@example.com\n\[4\/5\] creating project 'blog' and its secret key\n\[5\/5\] writing [^\n]+baas.json\n$/);
  t.match(run.out, /admin URL +http:\/\/127\.0\.0\.1:8787\/_\//);
  t.match(run.out, /admin +ops@example\.com\n/);
  t.match(run.out, /secret key +sk_/);
  t.match(run.out, /next: cd one && baas serve\n$/);
  t.notMatch(run.out, /password/, 'a given password is not echoed');

  run = await cli(['init', 'two', '--admin-password', 'short']);
  t.match(run, { code: 1, err: /error: invalid admin \(validation_failed\): password: must have at least 10 characters\n$/ });
  run = await cli(['init', 'three', '--project', 'Bad!']);
  t.match(run, { code: 1, err: /error: invalid project id \(validation_failed\)/ });
  for (const dir of ['two', 'three']) {
    t.notOk(existsSync(join(tmp.path, dir, 'baas.json')), `${dir}: no baas.json`);
    t.notOk(existsSync(join(tmp.path, dir, 'data')), `${dir}: the half-made data directory is removed`);
  }
  run = await cli(['init', 'three', '--json']);
  t.equal(run.code, 0, 'a failed init can be run again');
  t.match(JSON.parse(run.out), { url: 'http://127.0.0.1:8787', admin: { email: 'admin@example.com', password: /^[A-Za-z0-9]{20}$/ } });
});

t.test('describeInit: where and what next', async (t) => {
  const result = { dir: '/srv/my app', url: 'http://127.0.0.1:8787', project: { id: 'app' }, secretKey: 'sk_x', admin: { email: 'a@example.com' } };
  t.match(describeInit(result, '/srv'), /baas is ready in my app\n[^]*next: cd "my app" && baas serve\n$/);
  t.match(describeInit(result, '/home/me'), /baas is ready in \/srv\/my app\n/, 'outside the cwd: the absolute path');
  t.match(describeInit(result, '/srv/my app'), /next: baas serve\n$/);
  const serving = describeInit(result, '/srv', true);
  t.notMatch(serving, /admin URL|next:/, 'serve --init prints the real URL itself');
});
