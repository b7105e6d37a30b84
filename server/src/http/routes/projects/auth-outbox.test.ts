/** Covers http/routes/projects/auth-outbox.ts and mail/ (the outbox, SMTP delivery). */
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { engines } from '@baas/testkit';
import { forEachEngine, startInstance } from '../../../../test/harness.ts';

forEachEngine(t, 'outbox mode (no SMTP): the message lands in _outbox and the link in it works', async (t, api) => {
  const email = 'olga@example.com';
  const signed = await api.request('POST', api.p('/auth/signup'), { body: { email, password: 'first password' } });
  let res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email } });
  t.equal(res.status, 202);
  await api.request('POST', api.p('/auth/verify-email/request'), { body: { email: 'nobody@example.com' } });
  await api.app.baas.mailer.idle();

  res = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
  t.equal(res.status, 200);
  t.equal(res.body.items.length, 1, 'one message: none for the unknown address');
  const [message] = res.body.items;
  t.match(message, { id: String, to: email, subject: /Confirm your email/, text: /#type=verify_email&token=/, html: /<a href=/, createdAt: String, sentAt: null, error: null });
  t.match(message.text, /^Confirm email: http:\/\/127\.0\.0\.1:8787\/_\/auth\/app#type=verify_email&token=/m, 'without siteUrl the link opens the server\'s hosted page for the project');

  const token = new URLSearchParams(/#(\S+)/.exec(message.text)![1]).get('token');
  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { token: signed.body.session.accessToken, body: { token } });
  t.equal(res.status, 200);
  t.equal(res.body.user.verified, true);

  res = await api.request('GET', api.p('/auth/outbox?limit=1'), { token: api.adminToken });
  t.equal(res.status, 200, 'admins may read it');
  t.equal(res.body.items.length, 1);
  res = await api.request('GET', api.p('/auth/outbox'));
  t.equal(res.status, 401, 'guests may not');
  res = await api.request('GET', api.p('/auth/outbox'), { token: signed.body.session.accessToken });
  t.equal(res.status, 403, 'users may not');
  res = await api.request('GET', api.p('/auth/outbox?limit=0'), { token: api.secret });
  t.equal(res.status, 400);
});

t.test('an SMTP server that cannot be reached: the request still answers 202, the outbox keeps the error', async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));

  const engine = engines()[0];
  const api = await startInstance(engine.name, engine.databaseUrl, { smtpUrl: `smtp://127.0.0.1:${port}` });
  t.teardown(() => api.close());
  await api.request('POST', api.p('/auth/signup'), { body: { email: 'sam@example.com', password: 'first password' } });
  const res = await api.request('POST', api.p('/auth/password-reset/request'), { body: { email: 'sam@example.com' } });
  t.equal(res.status, 202);
  await api.app.baas.mailer.idle();
  const outbox = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
  t.match(outbox.body.items[0], { to: 'sam@example.com', sentAt: null, error: /ECONNREFUSED|connect/i });
});
