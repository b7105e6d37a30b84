import t from 'tap';
import { failure, startServer } from '../test/server.ts';
import { createClient } from './index.ts';

const { instance, url } = await startServer((fn) => t.teardown(fn));

t.test('admins: list, create, conflict, weak password, delete', async (t) => {
  const client = createClient({ url, token: instance.adminToken });
  const [me] = await client.admin.admins.list();
  t.match(me, { id: String, email: 'admin@example.com', createdAt: String });

  const ops = await client.admin.admins.create('ops@example.com', 'another long password');
  t.match(ops, { id: String, email: 'ops@example.com' });
  t.same((await client.admin.admins.list()).map((a) => a.email), ['admin@example.com', 'ops@example.com']);
  t.match(await failure(() => client.admin.admins.create('ops@example.com', 'another long password')), { status: 409, code: 'conflict' });
  t.match(await failure(() => client.admin.admins.create('weak@example.com', 'short')), {
    status: 400,
    code: 'validation_failed',
    details: { fields: { password: { code: 'too_short' } } },
  });

  t.match(await failure(() => client.admin.admins.delete(me.id)), { status: 409, code: 'conflict', message: /your own admin account/ });
  await client.admin.admins.delete('ops@example.com');
  t.match(await failure(() => client.admin.admins.delete(ops.id)), { status: 404, code: 'not_found' });
  t.match(await failure(() => client.admin.admins.delete(me.id, { force: true })), { status: 409, message: /is the last admin/ });
  t.match(await failure(() => createClient({ url }).admin.admins.list()), { status: 401, code: 'unauthorized' });
});

t.test('admin sessions and logout', async (t) => {
  const client = createClient({ url });
  await client.admin.login('admin@example.com', 'correct horse battery');
  const token = client.credential!;
  const sessions = await client.admin.sessions();
  t.ok(sessions.length >= 2, 'the harness session and this one');
  t.equal(sessions.filter((s) => s.current).length, 1);

  await client.admin.logout();
  t.equal(client.credential, undefined, 'the client forgets the token');
  const reused = await failure(() => createClient({ url, token }).admin.admins.list());
  t.match(reused, { status: 401, code: 'invalid_token' }, 'the server forgot it too');
  t.equal((await createClient({ url, token: instance.adminToken }).admin.admins.list()).length, 1, 'other sessions live on');
});
