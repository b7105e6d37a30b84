import t from 'tap';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@baas/testkit';
import { startInstance } from '../../../server/test/harness.ts';
import { memoryIo } from '../../test/helpers.ts';
import { runCli } from '../program.ts';

// `baas users` in-process against a real server: each command, its --json, and its errors.
const instance = await startInstance('sqlite');
await instance.app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}`;
const tmp = tempDir('baas-cli-users-');
t.teardown(async () => {
  await instance.close();
  tmp.remove();
});
async function cli(args: string[], answers?: string[]) {
  const io = memoryIo({ cwd: tmp.path, env: { XDG_CONFIG_HOME: join(tmp.path, 'config') }, answers });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
const key = ['--url', url, '--key', instance.secret];
const admin = ['--url', url, '--token', instance.adminToken];
const signIn = (email: string) => instance.request('POST', instance.p('/auth/login'), { body: { email, password: 'correct horse battery' } });

t.test('--help of every users command is its own', async (t) => {
  for (const command of ['users', 'users list', 'users create', 'users update', 'users delete', 'users sessions', 'users revoke']) {
    const run = await cli([...command.split(' '), '--help']);
    t.equal(run.code, 0, command);
    t.match(run.out, new RegExp(`^Usage: baas ${command} `), command);
  }
});

t.test('create, list, update, sessions, revoke, delete', async (t) => {
  let run = await cli(['users', 'create', 'ann@example.com', '--user-password', 'correct horse battery', '--role', 'editor', '--data', '{"plan":"pro"}', '--json', ...key]);
  t.equal(run.code, 0, run.err);
  const ann = JSON.parse(run.out);
  t.match(ann, { email: 'ann@example.com', role: 'editor', data: { plan: 'pro' }, verified: false });
  run = await cli(['users', 'create', 'bob@example.com', ...admin]);
  t.match(run, { code: 0, out: /^created user bob@example\.com \(\S+\)\n$/ });
  run = await cli(['users', 'create', 'ann@example.com', ...key]);
  t.same(run, { code: 1, out: '', err: 'error: a user with this email already exists (conflict): email: is already registered\n' });
  run = await cli(['users', 'create', 'x@example.com', '--data', '[1]', ...key]);
  t.match(run, { code: 1, err: /must be a JSON object/ });

  run = await cli(['users', 'list', ...key]);
  t.match(run.out, /^ID +EMAIL +VERIFIED +ROLE +DISABLED +CREATED\n\S+ +bob@example\.com +no +\S+\n\S+ +ann@example\.com +no +editor +\S+\n$/);
  run = await cli(['users', 'list', '--filter', "role = 'editor'", '--json', ...key]);
  t.same(JSON.parse(run.out).map((u: { email: string }) => u.email), ['ann@example.com']);
  run = await cli(['users', 'list', '--filter', 'role ==', ...key]);
  t.match(run, { code: 1, err: /invalid_filter/ });

  run = await cli(['users', 'update', 'ann@example.com', '--verified', 'true', '--new-email', 'ann@example.org', '--json', ...key]);
  t.match(JSON.parse(run.out), { id: ann.id, email: 'ann@example.org', verified: true });
  run = await cli(['users', 'update', ann.id, ...key]);
  t.match(run, { code: 1, err: /^error: nothing to change/ });

  t.equal((await signIn('ann@example.org')).status, 200);
  t.equal((await signIn('ann@example.org')).status, 200);
  run = await cli(['users', 'sessions', 'ann@example.org', '--json', ...key]);
  const sessions = JSON.parse(run.out);
  t.equal(sessions.length, 2);
  run = await cli(['users', 'sessions', ann.id, ...key]);
  t.match(run.out, /^ID +METHOD +IP +LAST USED +EXPIRES +USER AGENT\n\S+ +password /);
  run = await cli(['users', 'revoke', ann.id, sessions[0].id, ...key]);
  t.same(run, { code: 0, out: `ended 1 session of ${ann.id}\n`, err: '' });
  run = await cli(['users', 'revoke', ann.id, sessions[0].id, ...key]);
  t.match(run, { code: 1, err: /no session '\S+' of user/ });
  run = await cli(['users', 'revoke', 'ann@example.org', '--json', ...key]);
  t.same(JSON.parse(run.out), { revoked: 1 });
  t.same(await cli(['users', 'sessions', ann.id, ...key]), { code: 0, out: '(no sessions)\n', err: '' });

  run = await cli(['users', 'update', ann.id, '--disable', ...key]);
  t.equal(run.code, 0, run.err);
  t.equal((await signIn('ann@example.org')).status, 403, 'a disabled user cannot sign in');

  run = await cli(['users', 'delete', 'bob@example.com', ...key]);
  t.same(run, { code: 1, out: '', err: "error: deleting user 'bob@example.com' needs confirmation: pass --yes\n" });
  run = await cli(['users', 'delete', 'bob@example.com', ...key], ['bob@example.com']);
  t.match(run, { code: 0, out: 'deleted user bob@example.com\n' });
  run = await cli(['users', 'delete', 'bob@example.com', '--yes', ...key]);
  t.same(run, { code: 1, out: '', err: "error: no user with email 'bob@example.com'\n" });
});
