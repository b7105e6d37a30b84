/** Covers http/routes/projects/auth-email.ts, services/auth/email-requests.ts, email-confirm.ts, email-tokens.ts and address-proof.ts. */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { engines } from '@baas/testkit';
import { startInstance, type TestInstance } from '../../../../test/harness.ts';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../../../test/mail-catcher.ts';
import { updateAuthSettings } from '../../../services/auth/settings.ts';

// Every subtest runs on both engines: on a loaded 2-core machine the file
// takes longer than tap's default 120 s, though no single step is slow.
t.setTimeout(300_000);

// One real SMTP server for the whole file; each test uses its own addresses.
let mail: MailCatcher;
t.before(async () => {
  mail = await startMailCatcher();
});
t.teardown(() => mail.close());

type Api = TestInstance & { close(): Promise<void> };

function withSmtp(name: string, fn: (t: any, api: Api) => Promise<void>): void {
  for (const engine of engines()) {
    t.test(`${name} [${engine.name}]`, async (t: any) => {
      const api = await startInstance(engine.name, engine.databaseUrl, { smtpUrl: mail.url, publicUrl: 'http://baas.test' });
      t.teardown(() => api.close());
      await fn(t, api);
    });
  }
}

/** The newest message to an address once the queued mail work is done. */
async function lastMail(api: Api, to: string): Promise<CaughtMail | undefined> {
  await api.app.baas.mailer.idle();
  return mail.to(to).at(-1);
}

/** The link, its type and token, from the text part. */
function linkOf(m: CaughtMail | undefined): { url: URL; type: string; token: string } {
  const match = /https?:\/\/\S+#type=[a-z_]+&token=[A-Za-z0-9_-]+/.exec(m?.text ?? '');
  if (!match) throw new Error(`no link in ${m?.text}`);
  const url = new URL(match[0]);
  const params = new URLSearchParams(url.hash.slice(1));
  return { url, type: params.get('type')!, token: params.get('token')! };
}

function codeOf(m: CaughtMail | undefined): string {
  return /code: (\d{6})/.exec(m?.text ?? '')![1];
}

async function signUp(api: Api, email: string, password = 'first password'): Promise<any> {
  const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password } });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function setTokenExpiry(api: Api, iso: string): Promise<void> {
  const db = (await api.app.baas.registry.get('app'))!.db;
  await db.run(sql`UPDATE ${db.table('_auth_tokens')} SET expires_at = ${iso}`);
}

withSmtp('verify email: signup, a real SMTP message, the link confirms the address once', async (t, api) => {
  const email = `vera-${api.engine}@example.com`;
  const signed = await signUp(api, email);
  t.equal(signed.user.verified, false);

  let res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email: email.toUpperCase() } });
  t.equal(res.status, 202);
  t.same(res.body, { ok: true });
  const message = await lastMail(api, email);
  t.ok(message, 'a message arrived');
  t.match(message!.subject, /Confirm your email for Test app/);
  t.match(message!.from, /no-reply@localhost/);
  t.match(message!.text, /expires in 1 hour/);
  t.match(message!.html, /<a href="http:\/\/baas\.test\/_\/auth\/app#type=verify_email&#38;token=/, 'the HTML part links too (escaped)');
  const link = linkOf(message);
  t.equal(link.url.origin, 'http://baas.test', 'without a siteUrl the link goes to the public URL');
  t.equal(link.type, 'verify_email');

  // The app confirms as the signed-up user (the SDK sends the session): the password and the session stay.
  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { token: signed.session.accessToken, body: { token: link.token } });
  t.equal(res.status, 200);
  t.equal(res.body.user.email, email);
  t.equal(res.body.user.verified, true);
  res = await api.request('GET', api.p('/auth/user'), { token: signed.session.accessToken });
  t.equal(res.body.verified, true, 'auth.verified is true for the user');
  t.equal((await api.request('POST', api.p('/auth/login'), { body: { email, password: 'first password' } })).status, 200, 'the password still works');

  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { body: { token: link.token } });
  t.equal(res.status, 400, 'a replayed token fails');
  t.equal(res.body.error.code, 'invalid_email_token');

  // a verified address gets no more verification mail
  const before = mail.to(email).length;
  res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email } });
  t.equal(res.status, 202);
  await api.app.baas.mailer.idle();
  t.equal(mail.to(email).length, before);

  // a token of another kind is unknown here
  res = await api.request('POST', api.p('/auth/password-reset/request'), { body: { email } });
  const reset = linkOf(await lastMail(api, email));
  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { body: { token: reset.token } });
  t.equal(res.status, 400, 'a reset token does not verify');
  for (const body of [{}, { token: '' }, { token: 'x', extra: 1 }]) {
    res = await api.request('POST', api.p('/auth/verify-email/confirm'), { body });
    t.equal(res.status, 400, `bad body ${JSON.stringify(body)}`);
    t.equal(res.body.error.code, 'validation_failed');
  }
});

withSmtp('links: siteUrl is the base, redirectTo only when allowed; a new mail invalidates the older one', async (t, api) => {
  const email = `lina-${api.engine}@example.com`;
  await signUp(api, email);
  await updateAuthSettings(await api.serviceContext(), { siteUrl: 'https://app.example.com/welcome', redirectUrls: ['https://admin.example.com/'] });

  let res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email } });
  const first = linkOf(await lastMail(api, email));
  t.equal(`${first.url.origin}${first.url.pathname}`, 'https://app.example.com/welcome');

  res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email, redirectTo: 'https://admin.example.com/verified?x=1' } });
  t.equal(res.status, 202);
  const second = linkOf(await lastMail(api, email));
  t.equal(`${second.url.origin}${second.url.pathname}${second.url.search}`, 'https://admin.example.com/verified?x=1');

  for (const redirectTo of ['https://evil.example.com/', 'https://app.example.com/welcomeX', 'javascript:alert(1)']) {
    res = await api.request('POST', api.p('/auth/verify-email/request'), { body: { email, redirectTo } });
    t.equal(res.status, 400, `redirectTo ${redirectTo} is refused`);
    t.equal(res.body.error.code, 'validation_failed');
  }

  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { body: { token: first.token } });
  t.equal(res.status, 400, 'the older token stopped working when a new one was mailed');
  res = await api.request('POST', api.p('/auth/verify-email/confirm'), { body: { token: second.token } });
  t.equal(res.status, 200);
});

withSmtp('password reset: the new password works, the old one and every old session do not', async (t, api) => {
  const email = `rosa-${api.engine}@example.com`;
  const first = await signUp(api, email);
  let res = await api.request('POST', api.p('/auth/login'), { body: { email, password: 'first password' } });
  const second = res.body;

  res = await api.request('POST', api.p('/auth/password-reset/request'), { body: { email } });
  t.equal(res.status, 202);
  const message = await lastMail(api, email);
  t.match(message!.subject, /Reset your Test app password/);
  const link = linkOf(message);
  t.equal(link.type, 'password_reset');

  res = await api.request('POST', api.p('/auth/password-reset/confirm'), { body: { token: link.token, password: 'short' } });
  t.equal(res.status, 400, 'the password policy applies');
  t.equal(res.body.error.code, 'validation_failed');
  t.ok(res.body.error.details.fields.password);

  res = await api.request('POST', api.p('/auth/password-reset/confirm'), { body: { token: link.token, password: 'second password' } });
  t.equal(res.status, 200, 'the token was not spent by the refused password');
  t.equal(res.body.user.email, email);
  t.equal(res.body.user.verified, true, 'the mail reached the address, so it is verified');

  for (const session of [first, second]) {
    res = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: session.session.refreshToken } });
    t.equal(res.status, 401, 'old sessions are revoked');
    res = await api.request('GET', api.p('/auth/user'), { token: session.session.accessToken });
    t.equal(res.status, 401, 'old access tokens stop working');
  }
  res = await api.request('POST', api.p('/auth/login'), { body: { email, password: 'first password' } });
  t.equal(res.status, 401, 'the old password is refused');
  res = await api.request('POST', api.p('/auth/login'), { body: { email, password: 'second password' } });
  t.equal(res.status, 200, 'the new password works');

  res = await api.request('POST', api.p('/auth/password-reset/confirm'), { body: { token: link.token, password: 'third password' } });
  t.equal(res.status, 400, 'a replayed token fails');
  t.equal(res.body.error.code, 'invalid_email_token');
});

withSmtp('expired tokens fail', async (t, api) => {
  const email = `exp-${api.engine}@example.com`;
  await signUp(api, email);
  await api.request('POST', api.p('/auth/password-reset/request'), { body: { email } });
  const link = linkOf(await lastMail(api, email));
  await setTokenExpiry(api, new Date(Date.now() - 1000).toISOString());
  const res = await api.request('POST', api.p('/auth/password-reset/confirm'), { body: { token: link.token, password: 'second password' } });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_email_token');
  t.equal(res.body.error.details.reason, 'expired');

  await api.request('POST', api.p('/auth/magic-link/request'), { body: { email } });
  const code = codeOf(await lastMail(api, email));
  await setTokenExpiry(api, new Date(Date.now() - 1000).toISOString());
  const byCode = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code } });
  t.equal(byCode.status, 400, 'an expired code fails too');
});

withSmtp('magic link: first use creates the account; then by link and by code', async (t, api) => {
  const email = `max-${api.engine}@example.com`;
  let res = await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: `  ${email.toUpperCase()} ` } });
  t.equal(res.status, 202);
  let message = await lastMail(api, email);
  t.match(message!.subject, /Your sign-in link for Test app/);
  t.match(message!.text, /link and code expire in 1 hour/);
  const link = linkOf(message);
  t.equal(link.type, 'magic_link');
  res = await api.request('GET', api.p('/users'), { token: api.secret });
  t.notOk(res.body.items.some((u: any) => u.email === email), 'asking for a link creates no account');

  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: link.token } });
  t.equal(res.status, 200);
  t.match(res.body, { user: { email, verified: true, anonymous: false }, session: { accessToken: String, refreshToken: String } });
  const userId = res.body.user.id;
  res = await api.request('GET', api.p('/auth/user'), { token: res.body.session.accessToken });
  t.equal(res.body.id, userId);
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: link.token } });
  t.equal(res.status, 400, 'a replayed link fails');
  t.equal(res.body.error.code, 'invalid_email_token');

  // by code, for the now existing user
  await api.request('POST', api.p('/auth/magic-link/request'), { body: { email } });
  message = await lastMail(api, email);
  const code = codeOf(message);
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email: email.toUpperCase(), code } });
  t.equal(res.status, 200);
  t.equal(res.body.user.id, userId, 'the same user');
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code } });
  t.equal(res.status, 400, 'a replayed code fails');
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: linkOf(message).token } });
  t.equal(res.status, 400, 'the link of a used code is spent too');

  // an unverified password user is verified by a magic link
  const other = `mia-${api.engine}@example.com`;
  await signUp(api, other);
  await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: other } });
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: linkOf(await lastMail(api, other)).token } });
  t.equal(res.status, 200);
  t.equal(res.body.user.verified, true);

  for (const body of [{ email }, { code: '123456' }, { token: 'x', email, code: '123456' }, { email, code: '12345' }, { email, code: 'abcdef' }]) {
    res = await api.request('POST', api.p('/auth/magic-link/verify'), { body });
    t.equal(res.status, 400, `bad body ${JSON.stringify(body)}`);
    t.equal(res.body.error.code, 'validation_failed');
  }
});

withSmtp('magic link code: five wrong codes lock it; the link still works', async (t, api) => {
  const email = `lock-${api.engine}@example.com`;
  await api.request('POST', api.p('/auth/magic-link/request'), { body: { email } });
  const message = await lastMail(api, email);
  const code = codeOf(message);
  const wrong = code === '000000' ? '000001' : '000000';
  for (let i = 1; i <= 5; i++) {
    const res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code: wrong } });
    t.equal(res.status, 400, `wrong code ${i}`);
    t.equal(res.body.error.code, 'invalid_email_token');
  }
  let res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code } });
  t.equal(res.status, 400, 'the right code after five wrong ones is refused');
  t.equal(res.body.error.details.reason, 'locked');
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: linkOf(message).token } });
  t.equal(res.status, 200, 'the link (256 random bits) is not locked by guesses at the code');

  // parallel guesses cannot exceed the limit either
  await api.request('POST', api.p('/auth/magic-link/request'), { body: { email } });
  const fresh = codeOf(await lastMail(api, email));
  const guesses = Array.from({ length: 12 }, (_, i) => String((Number(fresh) + 1 + i) % 1_000_000).padStart(6, '0'));
  await Promise.all(guesses.map((g) => api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code: g } })));
  const db = (await api.app.baas.registry.get('app'))!.db;
  const row = await db.get<{ attempts: number | string }>(sql`SELECT attempts FROM ${db.table('_auth_tokens')} WHERE used_at IS NULL`);
  t.equal(Number(row!.attempts), 5, 'at most five tries counted');
  res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { email, code: fresh } });
  t.equal(res.status, 400);
});

withSmtp('no enumeration: unknown addresses get the same 202 and no mail', async (t, api) => {
  const known = `kim-${api.engine}@example.com`;
  const unknown = `nobody-${api.engine}@example.com`;
  await signUp(api, known);
  for (const path of ['/auth/verify-email/request', '/auth/password-reset/request']) {
    const a = await api.request('POST', api.p(path), { body: { email: known } });
    const b = await api.request('POST', api.p(path), { body: { email: unknown } });
    t.equal(a.status, 202);
    t.equal(b.status, 202, `${path}: same status`);
    t.same(b.body, a.body, `${path}: same body`);
  }
  let res = await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: unknown, createUser: false } });
  t.equal(res.status, 202);
  for (const path of ['/auth/verify-email/request', '/auth/password-reset/request', '/auth/magic-link/request']) {
    res = await api.request('POST', api.p(path), { body: { email: 'not an address' } });
    t.equal(res.status, 400, `${path}: a malformed address is a 400 (it depends on the input alone)`);
  }
  await api.app.baas.mailer.idle();
  t.equal(mail.to(unknown).length, 0, 'no mail to an unknown address');
  t.equal(mail.to(known).length, 2, 'the known address got both');
  const db = (await api.app.baas.registry.get('app'))!.db;
  const tokens = await db.all<{ email: string }>(sql`SELECT email FROM ${db.table('_auth_tokens')}`);
  t.notOk(tokens.some((r) => r.email === unknown), 'no token for an unknown address');
});

withSmtp('email change: the new address confirms; guests, taken addresses', async (t, api) => {
  const email = `cara-${api.engine}@example.com`;
  const next = `cara-new-${api.engine}@example.com`;
  const taken = `tom-${api.engine}@example.com`;
  const session = await signUp(api, email);
  await signUp(api, taken);

  let res = await api.request('POST', api.p('/auth/email-change/request'), { body: { email: next } });
  t.equal(res.status, 401, 'guests cannot change an email');
  res = await api.request('POST', api.p('/auth/email-change/request'), { token: api.secret, body: { email: next } });
  t.equal(res.status, 403, 'the service role has no user');

  res = await api.request('POST', api.p('/auth/email-change/request'), { token: session.session.accessToken, body: { email: taken } });
  t.equal(res.status, 202, 'a taken address gets the same answer');
  await api.app.baas.mailer.idle();
  t.equal(mail.to(taken).length, 0, 'and no mail');

  res = await api.request('POST', api.p('/auth/email-change/request'), { token: session.session.accessToken, body: { email: next } });
  t.equal(res.status, 202);
  const message = await lastMail(api, next);
  t.match(message!.text, new RegExp(`confirm ${next} as the new email`));
  t.equal(mail.to(email).length, 0, 'the mail goes to the new address');
  const link = linkOf(message);
  t.equal(link.type, 'email_change');

  res = await api.request('POST', api.p('/auth/email-change/confirm'), { token: session.session.accessToken, body: { token: link.token } });
  t.equal(res.status, 200);
  t.equal(res.body.user.email, next);
  t.equal(res.body.user.verified, true);
  res = await api.request('POST', api.p('/auth/login'), { body: { email: next, password: 'first password' } });
  t.equal(res.status, 200, 'the new address logs in');
  res = await api.request('POST', api.p('/auth/login'), { body: { email, password: 'first password' } });
  t.equal(res.status, 401, 'the old one no longer does');
  res = await api.request('POST', api.p('/auth/email-change/confirm'), { body: { token: link.token } });
  t.equal(res.status, 400, 'a replayed token fails');
});

withSmtp('with SMTP, sent messages are recorded in the outbox with sent_at, never with their live link', async (t, api) => {
  const email = `out-${api.engine}@example.com`;
  await signUp(api, email);
  await api.request('POST', api.p('/auth/password-reset/request'), { body: { email } });
  await api.app.baas.mailer.idle();
  const res = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
  t.equal(res.status, 200);
  t.match(res.body.items[0], { to: email, subject: /Reset your/, sentAt: String, error: null, html: null });
  const { token } = linkOf(await lastMail(api, email));
  t.notMatch(JSON.stringify(res.body), token, 'the reset token is not stored in the outbox');
});
