/** Covers http/routes/projects/auth-email-templates.ts, services/auth/email-templates.ts and mail/templates.ts. */
import t from 'tap';
import { engines } from '@baas/testkit';
import { forEachEngine, startInstance, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';
import { startMailCatcher, type MailCatcher } from '../../../../test/mail-catcher.ts';

const verify = {
  subject: 'Welcome to {{ app }}: one step left',
  body: 'Hi {{email}},\n\nconfirm here: {{link}}\n(good for {{expires}})\n\nThe {{app}} team',
};

const put = (api: TestInstance, kind: string, body: unknown, token = api.secret) => api.request('PUT', api.p(`/auth/email-templates/${kind}`), { token, body });

forEachEngine(t, 'email templates: defaults, a custom one, the 400s, back to the default', async (t, api) => {
  let res = await api.request('GET', api.p('/auth/email-templates'), { token: api.adminToken });
  t.equal(res.status, 200);
  t.same(res.body.items.map((i: any) => [i.kind, i.custom]), [['verify_email', false], ['magic_link', false], ['password_reset', false], ['email_change', false]]);
  t.match(res.body.items[1], { subject: 'Your sign-in link for {{app}}', body: /\{\{code\}\}/, placeholders: ['app', 'link', 'code', 'email', 'expires'] });

  res = await put(api, 'verify_email', verify);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.match(res.body, { kind: 'verify_email', custom: true, ...verify, default: { subject: 'Confirm your email for {{app}}' } });

  // Each refusal is the error envelope, naming the part and where in it.
  const refused: Array<[string, unknown, string, object]> = [
    ['verify_email', { subject: 'Hi', body: 'Go: {{link}} {{token}}' }, 'body', { code: 'unknown_placeholder', line: 1, column: 14, message: /\{\{token\}\} is not a placeholder.*\{\{app\}\}, \{\{link\}\}/ }],
    ['verify_email', { subject: 'Hi', body: 'Go: {{link}}\nor type {{code}}' }, 'body', { code: 'unknown_placeholder', line: 2, column: 9 }],
    ['magic_link', { subject: 'Hi {{app', body: '{{link}}' }, 'subject', { code: 'unclosed_placeholder', line: 1, column: 4 }],
    ['password_reset', { subject: 'Reset', body: 'Nothing to click' }, 'body', { code: 'missing_placeholder' }],
    ['email_change', { subject: 'Two\nlines', body: '{{link}}' }, 'subject', { code: 'newline_in_subject' }],
    ['password_reset', { subject: ' ', body: '{{link}}' }, 'subject', { code: 'empty' }],
    ['password_reset', { subject: 'x'.repeat(201), body: '{{link}}' }, 'subject', { code: 'too_long' }],
    ['password_reset', { subject: 'Reset', body: '{{link}}\u0000' }, 'body', { code: 'nul_character' }],
  ];
  for (const [kind, body, part, problem] of refused) {
    res = await put(api, kind, body);
    t.equal(res.status, 400, `${kind} ${JSON.stringify(body)}`);
    t.equal(codeOf(res), 'validation_failed');
    t.match(res.body.error.details.fields[part], problem);
  }
  res = await put(api, 'welcome', verify);
  t.equal(res.status, 400, 'an unknown kind');
  res = await put(api, 'verify_email', { subject: 'Hi' });
  t.equal(res.status, 400, 'a body is required');
  const items = (await api.request('GET', api.p('/auth/email-templates'), { token: api.secret })).body.items;
  t.same(items.filter((i: any) => i.custom).map((i: any) => i.kind), ['verify_email'], 'refusals stored nothing');

  const user = await signUp(api, 'ann@example.com');
  t.equal((await put(api, 'verify_email', verify, user.session.accessToken)).status, 403, 'users may not change templates');
  t.equal((await put(api, 'verify_email', verify, '')).status, 401);

  res = await api.request('DELETE', api.p('/auth/email-templates/verify_email'), { token: api.secret });
  t.match(res.body, { custom: false, subject: 'Confirm your email for {{app}}' });
});

forEachEngine(t, 'email templates: the outbox mailer sends the custom template, the default once reset', async (t, api) => {
  await put(api, 'magic_link', { subject: '{{app}} code {{code}}', body: 'Code {{code}} or {{link}} for <{{email}}>' });
  const sent = async () => {
    await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: 'bo@example.com' } });
    await api.app.baas.mailer.idle();
    return (await api.request('GET', api.p('/auth/outbox'), { token: api.secret })).body.items[0];
  };
  const custom = await sent();
  const code = /^Test app code (\d{6})$/.exec(custom.subject)?.[1];
  t.ok(code, `the subject is the template: ${custom.subject}`);
  t.match(custom.text, new RegExp(`^Code ${code} or https?://\\S+#type=magic_link&token=\\S+ for <bo@example.com>$`));
  t.match(custom.html, /<p>Code \d{6} or <a href="[^"]+#type=magic_link&#38;token=[^"]+">[^<]+<\/a> for &#60;bo@example.com&#62;<\/p>/, 'the HTML part escapes and links');
  const res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email: 'bo@example.com', code } });
  t.equal(res.status, 200, 'the code in the custom mail signs in');

  await api.request('DELETE', api.p('/auth/email-templates/magic_link'), { token: api.secret });
  t.match((await sent()).subject, /^Your sign-in link for Test app$/);
});

for (const engine of engines()) {
  t.test(`email templates through real SMTP: verification and the test mail use the template [${engine.name}]`, async (t) => {
    const mail: MailCatcher = await startMailCatcher();
    t.teardown(() => mail.close());
    const api = await startInstance(engine.name, engine.databaseUrl, { smtpUrl: mail.url, publicUrl: 'http://baas.test' });
    t.teardown(() => api.close());
    t.equal((await put(api, 'verify_email', verify)).status, 200);
    await signUp(api, 'vera@example.com');
    await api.request('POST', api.p('/auth/verify-email/request'), { body: { email: 'vera@example.com' } });
    await api.app.baas.mailer.idle();
    const [message] = mail.to('vera@example.com');
    t.equal(message.subject, 'Welcome to Test app: one step left');
    t.match(message.text.replace(/\r\n/g, '\n'), /^Hi vera@example.com,\n\nconfirm here: http:\/\/baas\.test\/_\/auth\/app#type=verify_email&token=\S+\n\(good for 1 hour\)\n\nThe Test app team/);
    const token = new URLSearchParams(/#(\S+)/.exec(message.text)![1]).get('token');
    const confirmed = await api.request('POST', api.p('/auth/verify-email/confirm'), { body: { token } });
    t.equal(confirmed.status, 200, 'the link of the custom mail confirms');

    // The test mail: the saved template, or a draft, filled with sample values.
    let res = await api.request('POST', api.p('/auth/email-templates/verify_email/test'), { token: api.adminToken, body: { to: 'ops@example.com' } });
    t.same(res.body, { delivery: 'smtp', to: 'ops@example.com' });
    res = await api.request('POST', api.p('/auth/email-templates/password_reset/test'), { token: api.adminToken, body: { to: 'ops@example.com', subject: 'Draft for {{app}}', body: 'Reset: {{link}}' } });
    t.equal(res.status, 200);
    const [saved, draft] = mail.to('ops@example.com');
    t.equal(saved.subject, '[test] Welcome to Test app: one step left');
    t.match(saved.text, /confirm here: https:\/\/app\.example\.com\/#type=verify_email&token=this-is-a-sample-not-a-token/);
    t.equal(draft.subject, '[test] Draft for Test app');
    res = await api.request('POST', api.p('/auth/email-templates/password_reset/test'), { token: api.adminToken, body: { to: 'ops@example.com', body: 'Reset: {{link}} {{code}}' } });
    t.equal(res.status, 400, 'a draft is checked as a save is');
    t.equal(res.body.error.details.fields.body.code, 'unknown_placeholder');
    t.equal(mail.to('ops@example.com').length, 2);
  });
}
