/** Covers http/routes/projects/auth-test-mail.ts and mail/test-mail.ts. */
import t from 'tap';
import { forEachEngine, startInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';
import { startMailCatcher } from '../../../../test/mail-catcher.ts';
import { engines } from '@baas/testkit';

forEachEngine(t, 'auth/test-mail without SMTP: lands in the outbox', async (t, api) => {
  let res = await api.request('POST', api.p('/auth/test-mail'), { token: api.adminToken, body: { to: 'ops@example.com' } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body, { delivery: 'outbox', to: 'ops@example.com' });
  const outbox = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
  t.match(outbox.body.items[0], { to: 'ops@example.com', subject: /baas test mail/, text: /auth emails of this project reach/ });

  for (const body of [{}, { to: 1 }, { to: 'a@b.co', cc: 'x' }]) {
    res = await api.request('POST', api.p('/auth/test-mail'), { token: api.secret, body });
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(codeOf(res), 'validation_failed');
  }
  res = await api.request('POST', api.p('/auth/test-mail'), { body: { to: 'a@b.co' } });
  t.equal(res.status, 401);
  const user = await signUp(api, 'ann@example.com');
  res = await api.request('POST', api.p('/auth/test-mail'), { token: user.session.accessToken, body: { to: 'a@b.co' } });
  t.equal(res.status, 403, 'users may not send mail through the project');
});

for (const engine of engines()) {
  t.test(`auth/test-mail through SMTP: delivered, or 502 mail_failed [${engine.name}]`, async (t) => {
    const mail = await startMailCatcher();
    t.teardown(() => mail.close());
    const api = await startInstance(engine.name, engine.databaseUrl, { smtpUrl: mail.url });
    t.teardown(() => api.close());
    let res = await api.request('POST', api.p('/auth/test-mail'), { token: api.adminToken, body: { to: 'ops@example.com' } });
    t.same(res.body, { delivery: 'smtp', to: 'ops@example.com' });
    t.equal(mail.to('ops@example.com').length, 1, 'the SMTP server got it');
    t.match(mail.to('ops@example.com')[0].subject, /baas test mail \(Test app\)/);

    // Nothing listens on the catcher's port once it is closed: the admin is told, with the reason.
    await mail.close();
    res = await api.request('POST', api.p('/auth/test-mail'), { token: api.adminToken, body: { to: 'ops@example.com' } });
    t.equal(res.status, 502);
    t.equal(codeOf(res), 'mail_failed');
    t.match(res.body.error.details.reason, /ECONNREFUSED|connect/i);
    const outbox = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
    t.ok(outbox.body.items[0].error, 'the failure is in the outbox too');
  });
}
