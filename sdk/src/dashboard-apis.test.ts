// The SDK calls the dashboard is built on: users and their sessions, settings, the rule tester, realtime stats.
import t from 'tap';
import { failure, startServer } from '../test/server.ts';
import { createClient } from './index.ts';

const { instance, url } = await startServer((fn) => t.teardown(fn));
const admin = createClient({ url, project: 'app', token: instance.adminToken });

t.test('users: create, list with a filter, page through, update, sessions, revoke, delete', async (t) => {
  const ann = await admin.users.create({ email: 'ann@example.com', password: 'correct horse battery', role: 'editor' });
  t.match(ann, { id: String, email: 'ann@example.com', role: 'editor', verified: false });
  await admin.users.create({ email: 'bob@example.com' });
  t.match(await failure(() => admin.users.create({ email: 'ann@example.com' })), { status: 409, code: 'conflict' });

  t.same((await admin.users.list({ filter: "role = 'editor'" })).items.map((u) => u.email), ['ann@example.com']);
  const all = [];
  for await (const user of admin.users.iterate({ limit: 1, sort: 'email' })) all.push(user.email);
  t.same(all, ['ann@example.com', 'bob@example.com'], 'iterate follows the cursors');
  t.match(await failure(() => admin.users.list({ filter: 'email = (' })), { status: 400, code: 'invalid_filter' });
  t.equal((await admin.users.update(ann.id, { verified: true })).verified, true);
  t.equal((await admin.users.get(ann.id)).verified, true);

  const app = createClient({ url, project: 'app' });
  await app.auth.signIn({ email: 'ann@example.com', password: 'correct horse battery' });
  const sessions = await admin.users.sessions(ann.id);
  t.equal(sessions.length, 1);
  t.match(sessions[0], { method: 'password', current: false });
  await admin.users.revokeSession(ann.id, sessions[0].id);
  t.match(await failure(() => app.auth.getUser()), { status: 401, code: 'invalid_token' });
  t.same(await admin.users.sessions(ann.id), []);
  t.match(await failure(() => admin.users.revokeSession(ann.id, sessions[0].id)), { status: 404, code: 'session_not_found' });
  app.close();

  await admin.users.delete(ann.id);
  t.match(await failure(() => admin.users.get(ann.id)), { status: 404, code: 'user_not_found' });
});

t.test('settings: auth, channel rule, test mail and the outbox', async (t) => {
  const auth = await admin.settings.updateAuth({ siteUrl: 'https://app.example.com', accessTokenTtl: 600 });
  t.match(auth, { siteUrl: 'https://app.example.com', accessTokenTtl: 600, redirectUrls: [] });
  t.same(await admin.settings.auth(), auth);
  t.same(await admin.settings.updateRealtime({ channelRule: "channel = 'lobby'" }), { channelRule: "channel = 'lobby'" });
  t.same(await admin.settings.realtime(), { channelRule: "channel = 'lobby'" });
  t.match(await failure(() => admin.settings.updateRealtime({ channelRule: 'channel = (' })), { status: 400, code: 'invalid_rule' });
  t.same(await admin.settings.providers(), []);

  t.same(await admin.settings.sendTestMail('ops@example.com'), { delivery: 'outbox', to: 'ops@example.com' });
  const [latest] = await admin.settings.outbox({ limit: 1 });
  t.match(latest, { to: 'ops@example.com', subject: /test mail/ });
  t.match(await failure(() => createClient({ url, project: 'app' }).settings.sendTestMail('x@example.com')), { status: 401 });
});

t.test('settings: email templates — save, the 400 with a position, test mail, reset', async (t) => {
  t.same((await admin.settings.emailTemplates()).map((i) => i.custom), [false, false, false, false]);
  const saved = await admin.settings.saveEmailTemplate('password_reset', { subject: 'Reset for {{app}}', body: 'New password: {{link}}' });
  t.match(saved, { kind: 'password_reset', custom: true, subject: 'Reset for {{app}}' });
  t.match(await failure(() => admin.settings.saveEmailTemplate('password_reset', { subject: 'x', body: '{{link}}\n{{nope}}' })),
    { status: 400, code: 'validation_failed', details: { fields: { body: { code: 'unknown_placeholder', line: 2, column: 1 } } } });
  t.same(await admin.settings.sendTestEmailTemplate('password_reset', 'ops@example.com'), { delivery: 'outbox', to: 'ops@example.com' });
  t.match((await admin.settings.outbox({ limit: 1 }))[0], { subject: '[test] Reset for Test app', text: /^New password: https:\/\/\S+#type=password_reset&token=/ });
  t.match(await admin.settings.resetEmailTemplate('password_reset'), { custom: false, subject: 'Reset your {{app}} password' });
});

t.test('collections.testRules and realtime.stats', async (t) => {
  await admin.collections.create({ name: 'notes', fields: [{ name: 'text', type: 'text' }], rules: { list: "text = 'public'" } });
  const open = await admin.collection('notes').create({ text: 'public' });
  await admin.collection('notes').create({ text: 'secret' });
  const result = await admin.collections.testRules('notes');
  t.equal(result.user, null);
  t.same(result.rules.list, { rule: "text = 'public'", allowed: [open.id] });
  t.same(result.rules.view, { rule: null, allowed: [] });
  t.equal((await admin.collections.testRules('notes', { rules: { view: '' } })).rules.view.allowed.length, 2);
  t.match(await failure(() => admin.collections.testRules('notes', { rules: { list: 'text =' } })), { status: 400, code: 'invalid_rule' });

  t.same(await admin.realtime.stats(), { connections: 0, subscriptions: 0, channels: 0 });
  const seen = new Promise<void>((ready) => admin.collection('notes').subscribe('*', () => undefined, { onReady: ready }));
  await seen;
  t.same(await admin.realtime.stats(), { connections: 1, subscriptions: 1, channels: 0 }, 'this client’s own socket');
  admin.close();
});
