import t from 'tap';
import { checkEmailTemplate, defaultEmailTemplates, emailKinds } from '@baas/protocol';
import { describeTtl, renderAuthEmail } from './templates.ts';
import { OutboxMailer } from './outbox.ts';
import type { ProjectHandle } from '../db/registry.ts';

t.test('expiry in words', async (t) => {
  const cases: Array<[number, string]> = [[3600, '1 hour'], [7200, '2 hours'], [900, '15 minutes'], [60, '1 minute'], [86400, '1 day'], [90, '2 minutes'], [45, '45 seconds'], [5400, '90 minutes']];
  for (const [seconds, words] of cases) t.equal(describeTtl(seconds), words, `${seconds}s`);
});

t.test('templates: project name, link, code and expiry; the HTML part escapes', async (t) => {
  const link = 'https://app.example.com/#type=magic_link&token=abc';
  const m = renderAuthEmail('magic_link', { projectName: 'Acme <b>"Shop"</b>', link, ttl: 600, code: '012345' });
  t.match(m.subject, /Acme <b>"Shop"<\/b>/, 'the subject is plain text');
  t.match(m.text, link);
  t.match(m.text, /code: 012345/);
  t.match(m.text, /expire in 10 minutes/);
  t.notMatch(m.html!, /<b>/, 'markup in the project name is escaped');
  t.match(m.html!, 'href="https://app.example.com/#type=magic_link&#38;token=abc"');
  for (const kind of ['verify_email', 'password_reset', 'email_change'] as const) {
    const r = renderAuthEmail(kind, { projectName: 'Acme', link, ttl: 3600, newEmail: 'new@example.com' });
    t.match(r.text, link, kind);
    t.match(r.text, /link expires in 1 hour/, kind);
    t.notMatch(r.text, /code/, `${kind} has no code`);
  }
});

t.test('the outbox mailer stores the message and logs that it did, without the text (its links carry tokens)', async (t) => {
  const rows: unknown[] = [];
  const project = { id: 'app', name: 'App', db: { table: () => 'x', run: async (q: unknown) => (rows.push(q), { changes: 1 }) } } as unknown as ProjectHandle;
  const logged: Array<[object, string]> = [];
  const mailer = new OutboxMailer();
  await mailer.send(project, { to: 'a@example.com', subject: 'Hi', text: 'link: http://x' }, { info: (o, m) => logged.push([o, m]), error() {} });
  t.equal(rows.length, 1, 'stored');
  t.match(logged[0], [{ project: 'app', to: 'a@example.com', subject: 'Hi' }, /outbox/]);
  t.notOk('text' in logged[0][0], 'the text is not logged');

  // deferred work: idle() waits for it; a failure is logged, not thrown
  const errors: unknown[] = [];
  let done = false;
  mailer.later({ info() {}, error: (o) => errors.push(o) }, async () => {
    throw new Error('boom');
  });
  mailer.later({ info() {}, error() {} }, async () => {
    done = true;
  });
  t.equal(done, false, 'not before the current request finishes');
  await mailer.idle();
  t.equal(done, true);
  t.equal(errors.length, 1);
});

t.test('every default template passes its own check; markup in a custom template is escaped in the HTML part', async (t) => {
  for (const kind of emailKinds) t.same(checkEmailTemplate(kind, defaultEmailTemplates[kind]), {}, kind);
  const m = renderAuthEmail('verify_email', { projectName: 'Acme', link: 'https://a.example/#t=1&u=2', ttl: 60, email: 'a@b.co' }, { subject: '<i>{{app}}</i>', body: '<script>x</script>\n{{link}}\n\n{{email}}' });
  t.equal(m.subject, '<i>Acme</i>', 'the subject is plain text');
  t.equal(m.text, '<script>x</script>\nhttps://a.example/#t=1&u=2\n\na@b.co');
  t.match(m.html, '<p>&#60;script&#62;x&#60;/script&#62;<br>\n<a href="https://a.example/#t=1&#38;u=2">https://a.example/#t=1&#38;u=2</a></p>\n<p>a@b.co</p>');
  t.throws(() => renderAuthEmail('verify_email', { projectName: 'A', link: 'x', ttl: 60 }, { subject: 's', body: '{{code}}' }), /not a placeholder/);
});
