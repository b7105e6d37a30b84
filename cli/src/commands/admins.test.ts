import t from 'tap';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@baas/testkit';
import { startInstance } from '../../../server/test/harness.ts';
import { memoryIo } from '../../test/helpers.ts';
import { runCli } from '../program.ts';

// `baas admins` in-process, against a real server on a port.
const instance = await startInstance('sqlite');
await instance.app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}`;
const tmp = tempDir('baas-cli-admins-');
t.teardown(async () => {
  await instance.close();
  tmp.remove();
});

/** Runs the CLI in-process; `answers` makes it interactive. */
async function cli(args: string[], options: { answers?: string[] } = {}) {
  const io = memoryIo({ cwd: tmp.path, env: { XDG_CONFIG_HOME: join(tmp.path, 'config') }, answers: options.answers });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
const admin = ['--url', url, '--token', instance.adminToken];
const canSignIn = async (email: string, password: string) =>
  instance.app.baas.admins.login(email, password).then(() => true, () => false);

t.test('--help of every admins command', async (t) => {
  for (const command of ['admins', 'admins list', 'admins create', 'admins delete']) {
    const run = await cli([...command.split(' '), '--help']);
    t.equal(run.code, 0, command);
    t.match(run.out, new RegExp(`^Usage: baas ${command} `), command);
  }
  t.match((await cli(['admins', 'create', '--help'])).out, /--admin-password <password>/);
  t.match((await cli(['admins', 'delete', '--help'])).out, /--force/);
});

t.test('create: given, generated (printed once), asked; errors in one line', async (t) => {
  let run = await cli(['admins', 'create', 'given@example.com', '--admin-password', 'a long enough password', ...admin]);
  t.equal(run.code, 0, run.err);
  t.match(run.out, /^created admin given@example\.com\n\n  id  \S+\n$/, 'no password shown when it was given');
  t.ok(await canSignIn('given@example.com', 'a long enough password'));

  run = await cli(['admins', 'create', 'gen@example.com', '--json', ...admin]);
  t.equal(run.code, 0, run.err);
  const generated = JSON.parse(run.out);
  t.match(generated, { id: String, email: 'gen@example.com', createdAt: String, password: /^[A-Za-z0-9]{20}$/ });
  t.ok(await canSignIn('gen@example.com', generated.password), 'the printed password works');
  run = await cli(['admins', 'create', 'gen2@example.com', ...admin]);
  t.match(run.out, /^created admin gen2@example\.com\n\n  id        \S+\n  password  [A-Za-z0-9]{20}   \(generated: shown only now\)\n$/);

  run = await cli(['admins', 'create', 'asked@example.com', ...admin], { answers: ['typed password 123', 'typed password 123'] });
  t.equal(run.code, 0, run.err);
  t.match(run.err, /password for asked@example\.com \(empty: generate one\): again: /);
  t.notMatch(run.out, /password/, 'a typed password is not echoed back');
  t.ok(await canSignIn('asked@example.com', 'typed password 123'));
  run = await cli(['admins', 'create', 'typo@example.com', ...admin], { answers: ['typed password 123', 'typed password 124'] });
  t.match(run, { code: 1, err: /error: the passwords differ: nothing was created\n$/ });
  run = await cli(['admins', 'create', 'empty@example.com', '--json', ...admin], { answers: [''] });
  t.match(JSON.parse(run.out), { email: 'empty@example.com', password: /^[A-Za-z0-9]{20}$/ }, 'empty answer: generated');

  run = await cli(['admins', 'create', 'given@example.com', '--admin-password', 'a long enough password', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: an admin with email 'given@example.com' exists (conflict)\n" });
  run = await cli(['admins', 'create', 'weak@example.com', '--admin-password', 'short', ...admin]);
  t.same(run, { code: 1, out: '', err: 'error: invalid admin (validation_failed): password: must have at least 10 characters\n' });
  run = await cli(['admins', 'create', ...admin]);
  t.match(run, { code: 1, err: /^error: missing required argument 'email'\n/ });
});

t.test('list, then delete with confirmation, --yes, --force', async (t) => {
  let run = await cli(['admins', 'list', ...admin]);
  t.match(run.out, /^ID +EMAIL +CREATED\n\S+ +admin@example\.com +\S+\n/, 'an aligned table, by email');
  run = await cli(['admins', 'list', '--json', ...admin]);
  const emails = JSON.parse(run.out).map((a: { email: string }) => a.email);
  t.same(emails, [...emails].sort());
  t.ok(emails.includes('given@example.com'));

  run = await cli(['admins', 'delete', 'given@example.com', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: deleting admin 'given@example.com' needs confirmation: pass --yes\n" });
  run = await cli(['admins', 'delete', 'given@example.com', ...admin], { answers: ['nope'] });
  t.match(run, { code: 1, err: /Type 'given@example\.com' to confirm: error: not confirmed: nothing was deleted\n$/ });
  run = await cli(['admins', 'delete', 'given@example.com', ...admin], { answers: ['given@example.com'] });
  t.match(run, { code: 0, out: "deleted admin 'given@example.com'\n" });
  t.notOk(await canSignIn('given@example.com', 'a long enough password'));
  run = await cli(['admins', 'delete', 'given@example.com', '--yes', '--json', ...admin]);
  t.same(run, { code: 1, out: '', err: "error: no admin 'given@example.com' (admin_not_found)\n" });

  run = await cli(['admins', 'delete', 'admin@example.com', '--yes', ...admin]);
  t.match(run, { code: 1, err: /^error: you cannot delete your own admin account without force [^\n]*\(conflict\)\n$/ });
  // the others go; then yourself with --force is the last admin: refused
  for (const email of emails.filter((e: string) => e !== 'admin@example.com' && e !== 'given@example.com')) {
    run = await cli(['admins', 'delete', email, '--yes', '--json', ...admin]);
    t.same(JSON.parse(run.out), { deleted: email });
  }
  run = await cli(['admins', 'delete', 'admin@example.com', '--yes', '--force', ...admin]);
  t.same(run.err, "error: 'admin@example.com' is the last admin: create another admin before deleting this one (conflict)\n");
});

t.test('reset-password works offline on the data directory and ends the sessions', async (t) => {
  const data = ['--data', instance.app.baas.config.dataDir];
  let run = await cli(['admins', 'reset-password', 'nobody@example.com', '--admin-password', 'a brand new password', ...data]);
  t.match(run, { code: 1, err: /^error: no admin 'nobody@example\.com' \(the admins are: admin@example\.com[^)]*\) \(admin_not_found\)\n$/ });
  run = await cli(['admins', 'reset-password', 'admin@example.com', '--admin-password', 'short', ...data]);
  t.match(run, { code: 1, err: /password: must have at least 10 characters/ });
  run = await cli(['admins', 'reset-password', 'admin@example.com', '--json', ...data]);
  t.equal(run.code, 0, run.err);
  const { password } = JSON.parse(run.out);
  t.match(password, /^[A-Za-z0-9]{20}$/);
  t.ok(await canSignIn('admin@example.com', password), 'the new password works on the running server');
  t.notOk(await canSignIn('admin@example.com', 'correct horse battery'), 'the old one does not');
  t.equal(await instance.app.baas.admins.authenticate(instance.adminToken), undefined, 'the old sessions ended');
  run = await cli(['admins', 'reset-password', 'admin@example.com', '--data', join(tmp.path, 'nowhere')]);
  t.match(run, { code: 1, err: /^error: no baas instance in \S+nowhere/ });
});
