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
  t.match(await failure(() => client.admin.admins.delete(ops.id)), { status: 404, code: 'admin_not_found' });
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

t.test('backups: run, list, download, restore a project under a new id, delete', async (t) => {
  const client = createClient({ url, token: instance.adminToken });
  t.same(await client.admin.backups.list(), { items: [], schedule: null });
  const run = await client.admin.backups.run();
  t.match(run, { scope: 'instance', project: null, trigger: 'api', status: 'ok', size: Number, available: true, file: /^baas-instance-\d{8}T\d{6}Z\.tar\.gz$/ });
  const { items } = await client.admin.backups.list();
  t.same(items.map((b) => b.id), [run.id]);

  const res = await client.admin.backups.download(run.id);
  t.equal(res.headers.get('content-type'), 'application/gzip');
  const bytes = Buffer.from(await res.arrayBuffer());
  t.equal(bytes.length, run.size);
  t.same([bytes[0], bytes[1]], [0x1f, 0x8b], 'a gzip stream');

  t.match(await client.admin.backups.restore(run.id, { project: 'app', as: 'app-copy' }), { id: 'app', restoredAs: 'app-copy' });
  t.ok((await client.admin.projects.list()).some((p) => p.id === 'app-copy'));
  t.match(await failure(() => client.admin.backups.restore(run.id, { project: 'app' })), { status: 409, code: 'conflict', message: /project 'app' exists/ });

  const project = await client.admin.backups.run({ project: 'app-copy' });
  t.match(project, { scope: 'project', project: 'app-copy', file: /^baas-app-copy-/ });
  await client.admin.backups.delete(run.id);
  t.match(await failure(() => client.admin.backups.download(run.id)), { status: 404 });
  t.same((await client.admin.backups.list()).items.map((b) => b.id), [project.id]);
  t.match(await failure(() => client.admin.backups.run({ project: 'nope' })), { status: 404, code: 'project_not_found' });
  t.match(await failure(() => createClient({ url }).admin.backups.list()), { status: 401 });
});

t.test('request log: entries with filters and pages, and per-minute aggregates', async (t) => {
  const client = createClient({ url, token: instance.adminToken });
  const service = createClient({ url, project: instance.project, token: instance.secret });
  await service.admin.projects.list().catch(() => undefined); // a 403, recorded too
  for (let i = 0; i < 3; i++) await fetch(`${url}/v1/health`);
  await instance.app.baas.requestLog.flush();

  const health = await client.admin.requestLog.list({ route: '/v1/health', limit: 2 });
  t.equal(health.items.length, 2);
  t.match(health.items[0], { id: Number, at: String, requestId: String, method: 'GET', route: '/v1/health', status: 200, ms: Number, project: null, actor: 'guest' });
  const rest = await client.admin.requestLog.list({ route: '/v1/health', cursor: health.nextCursor! });
  t.equal(rest.items.length, 1, 'the next page');
  t.equal(rest.nextCursor, null);
  const refused = await client.admin.requestLog.list({ status: '4xx', route: '/v1/admin/projects' });
  t.match(refused.items[0], { route: '/v1/admin/projects', status: 403 });

  const stats = await client.admin.requestLog.stats({ route: '/v1/health' });
  t.equal(stats.sampleRate, 1);
  const total = stats.minutes.reduce((n, m) => n + m.requests, 0);
  t.ok(total >= 3, `${total} health checks in the last hour`);
  t.match(stats.minutes.at(-1), { minute: String, rate: Number, errors: 0, errorRate: 0, p50: Number, p99: Number });
  t.match(await failure(() => client.admin.requestLog.list({ status: 'bad' })), { status: 400, code: 'validation_failed' });
});
