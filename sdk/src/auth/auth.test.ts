import t from 'tap';
import { failure } from '../../test/server.ts';
import { BaasError } from '../index.ts';
import { mailTo, PASSWORD, recorder, setup } from '../../test/auth.ts';

const { instance, url, client } = await setup((fn) => t.teardown(fn));

t.test('sign-up, sign-in and sign-out: the user, the bearer token, the events in order', async (t) => {
  const ann = client();
  const seen = recorder(ann);
  await ann.auth.ready;
  t.equal(ann.auth.user, null);
  t.equal(await ann.auth.accessToken(), undefined);

  const signed = await ann.auth.signUp({ email: 'Ann@Example.com', password: PASSWORD, data: { name: 'Ann' } });
  t.match(signed, { user: { email: 'ann@example.com', data: { name: 'Ann' }, anonymous: false }, session: { accessToken: String, refreshToken: /^rt_/ } });
  t.equal(ann.auth.user?.id, signed.user.id);
  t.equal(ann.auth.session, signed);
  t.equal(await ann.auth.accessToken(), signed.session.accessToken, 'requests carry the user token');
  t.match(await failure(() => ann.auth.signUp({ email: 'ann@example.com', password: PASSWORD })), { status: 409, code: 'conflict' });
  t.equal(ann.auth.user?.id, signed.user.id, 'a failed sign-up keeps the session');

  const user = await ann.auth.updateUser({ data: { name: 'Annie' } });
  t.same(user.data, { name: 'Annie' });
  t.same(ann.auth.user?.data, { name: 'Annie' }, 'the session follows the update');
  t.same((await ann.auth.getUser()).data, { name: 'Annie' });
  const before = ann.auth.session!.session;
  const refreshed = await ann.auth.refresh();
  t.not(refreshed!.session.refreshToken, before.refreshToken);

  const [current] = await ann.auth.sessions();
  t.match(current, { method: 'password', current: true });
  await ann.auth.signOut();
  t.equal(ann.auth.user, null);
  t.equal(ann.auth.session, null);
  let res = await instance.request('GET', instance.p('/auth/user'), { token: refreshed!.session.accessToken });
  t.match(res, { status: 401, body: { error: { code: 'invalid_token' } } }, 'the server ended the session');
  await ann.auth.signOut();
  t.same(seen, ['initial_session:-', 'signed_in:ann@example.com', 'user_updated:ann@example.com', 'token_refreshed:ann@example.com', 'signed_out:-'],
    'getUser without a change and the second signOut report nothing');

  t.match(await failure(() => ann.auth.signIn({ email: 'ann@example.com', password: 'wrong password' })), { status: 401, code: 'invalid_credentials' });
  await ann.auth.signIn({ email: 'ann@example.com', password: PASSWORD });
  t.equal(ann.auth.user?.id, signed.user.id);
  t.equal(seen.at(-1), 'signed_in:ann@example.com');

  // a late listener gets the current session first; an unsubscribed one gets nothing more
  const late: string[] = [];
  const stop = ann.auth.onAuthStateChange((event, session) => late.push(`${event}:${session?.user.email ?? '-'}`));
  await ann.auth.ready;
  stop();
  await ann.auth.signOut();
  t.same(late, ['initial_session:ann@example.com']);

  // the session ended elsewhere: signOut still ends it here (the server's 401 is not an error)
  const again = await ann.auth.signIn({ email: 'ann@example.com', password: PASSWORD });
  res = await instance.request('POST', instance.p('/auth/logout'), { token: again.session.accessToken });
  t.equal(res.status, 204);
  await ann.auth.signOut();
  t.equal(ann.auth.user, null);
});

t.test('a listener that throws does not fail the sign-in', async (t) => {
  const c = client();
  c.auth.onAuthStateChange((event) => {
    if (event === 'signed_in') throw new Error('listener bug');
  });
  const thrown = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
  await c.auth.signUp({ email: 'lis@example.com', password: PASSWORD });
  t.equal(c.auth.user?.email, 'lis@example.com');
  t.match(await thrown, { message: 'listener bug' }, 'the error is still reported, on its own');
});

t.test('anonymous sign-in, then the upgrade keeps the id', async (t) => {
  const c = client();
  const seen = recorder(c);
  const anon = await c.auth.signInAnonymously({ data: { theme: 'dark' } });
  t.match(anon.user, { anonymous: true, email: null, data: { theme: 'dark' } });
  const upgraded = await c.auth.updateUser({ email: 'anon@example.com', password: PASSWORD });
  t.match(upgraded, { id: anon.user.id, anonymous: false, email: 'anon@example.com' });
  t.match(c.auth.user, { id: anon.user.id, anonymous: false });
  t.same((await c.auth.getUser()).id, anon.user.id, 'the session keeps working');
  t.same(seen, ['initial_session:-', `signed_in:${anon.user.id}`, 'user_updated:anon@example.com']);
  const other = await client().auth.signIn({ email: 'anon@example.com', password: PASSWORD });
  t.equal(other.user.id, anon.user.id, 'the password signs in to the same user');

  // a password change needs the current one and ends the other sessions only
  t.match(await failure(() => c.auth.updateUser({ password: 'new password here', currentPassword: 'wrong one' })), { status: 401 });
  await c.auth.updateUser({ password: 'new password here', currentPassword: PASSWORD });
  t.equal((await c.auth.getUser()).id, anon.user.id);
  const res = await instance.request('GET', instance.p('/auth/user'), { token: other.session.accessToken });
  t.equal(res.status, 401, 'the other session ended');
});

t.test('magic link: by token, then by address and code; the first use creates the account', async (t) => {
  const c = client();
  await c.auth.sendMagicLink({ email: 'mia@example.com' });
  const first = await mailTo(instance, 'mia@example.com');
  const session = await c.auth.verifyMagicLink({ token: first.token });
  t.match(session.user, { email: 'mia@example.com', verified: true });
  t.equal(c.auth.user?.email, 'mia@example.com');
  t.match(await failure(() => c.auth.verifyMagicLink({ token: first.token })), { status: 400, code: 'invalid_email_token' }, 'single use');

  const other = client();
  await other.auth.sendMagicLink({ email: 'mia@example.com', createUser: false });
  const second = await mailTo(instance, 'mia@example.com');
  t.match(second.code, /^\d{6}$/);
  const byCode = await other.auth.verifyMagicLink({ email: 'mia@example.com', code: second.code! });
  t.equal(byCode.user.id, session.user.id);
  t.not(byCode.session.refreshToken, session.session.refreshToken, 'a session of its own');
  t.equal((await other.auth.sessions()).length, 2);
});

t.test('email flows: verification, email change, password reset', async (t) => {
  const c = client();
  const seen = recorder(c);
  const { user } = await c.auth.signUp({ email: 'eve@example.com', password: PASSWORD });
  t.equal(user.verified, false);

  await c.auth.requestEmailVerification({ email: 'eve@example.com' });
  t.equal((await c.auth.confirmEmail({ token: (await mailTo(instance, 'eve@example.com')).token })).verified, true);
  t.equal(c.auth.user?.verified, true, 'the signed-in user follows the confirmation');

  await c.auth.requestEmailChange({ email: 'eve2@example.com' });
  const changed = await c.auth.confirmEmailChange({ token: (await mailTo(instance, 'eve2@example.com')).token });
  t.equal(changed.email, 'eve2@example.com');
  t.equal(c.auth.user?.email, 'eve2@example.com');
  t.equal((await c.auth.getUser()).email, 'eve2@example.com', 'confirmed with the session, so the session goes on');
  t.match(await failure(() => client().auth.requestEmailChange({ email: 'x@example.com' })), { status: 401, code: 'unauthorized' }, 'email change needs a user');

  await c.auth.requestPasswordReset({ email: 'eve2@example.com' });
  const reset = (await mailTo(instance, 'eve2@example.com')).token;
  t.match(await failure(() => c.auth.confirmPasswordReset({ token: reset, password: 'x' })), { status: 400, code: 'validation_failed' });
  await c.auth.confirmPasswordReset({ token: reset, password: 'another password' });
  t.equal(c.auth.user, null, 'a reset ends every session, this one included');
  t.same(seen, ['initial_session:-', 'signed_in:eve@example.com', 'user_updated:eve@example.com', 'user_updated:eve2@example.com', 'signed_out:-']);
  await c.auth.signIn({ email: 'eve2@example.com', password: 'another password' });
});

t.test('sessions: list and revoke; revoking this one signs out here', async (t) => {
  const a = client();
  const b = client();
  await a.auth.signUp({ email: 'sam@example.com', password: PASSWORD });
  await b.auth.signIn({ email: 'sam@example.com', password: PASSWORD });
  const list = await a.auth.sessions();
  t.equal(list.length, 2);
  const other = list.find((s) => !s.current)!;
  await a.auth.revokeSession(other.id);
  t.match(await failure(() => b.auth.getUser()), { status: 401, code: 'invalid_token' });
  t.equal(b.auth.user, null, 'a 401 invalid_token from getUser signs out');
  t.match(await failure(() => a.auth.revokeSession(other.id)), { status: 404 });

  const seen = recorder(a);
  await a.auth.revokeSession(list.find((s) => s.current)!.id);
  t.equal(a.auth.user, null);
  t.same(seen, ['initial_session:sam@example.com', 'signed_out:-']);
});

t.test('OAuth: the authorize URL, and the callback page', async (t) => {
  const c = client();
  t.equal(c.auth.oauthUrl('google', { redirectTo: 'http://app.test/done?x=1' }),
    `${url}/v1/projects/app/auth/oauth/google/authorize?redirectTo=http%3A%2F%2Fapp.test%2Fdone%3Fx%3D1`);
  t.equal(await c.auth.handleOAuthCallback('http://app.test/done?x=1'), null, 'neither code nor error');

  const denied = await failure(() => c.auth.handleOAuthCallback('http://app.test/done?error=access_denied&error_description=cancelled'));
  t.ok(denied instanceof BaasError);
  t.match(denied, { code: 'access_denied', message: 'cancelled' });
  const bad = await failure(() => c.auth.handleOAuthCallback('http://app.test/done?code=not-a-code'));
  t.match(bad, { status: 400, code: 'oauth_failed', details: { reason: 'invalid_code' } });
  t.equal(c.auth.user, null);

  // In a browser (stand-ins for location and history): the current page, whose spent parameters leave the address bar.
  const page = { href: 'http://app.test/done?x=1&error=access_denied&error_description=cancelled' };
  const g = globalThis as { location?: unknown; history?: unknown };
  g.location = page;
  g.history = { state: null, replaceState: (_state: unknown, _title: string, to: URL) => (page.href = String(to)) };
  t.teardown(() => {
    delete g.location;
    delete g.history;
  });
  t.match(await failure(() => c.auth.handleOAuthCallback()), { code: 'access_denied' });
  t.equal(page.href, 'http://app.test/done?x=1');
  t.equal(await c.auth.handleOAuthCallback(), null, 'a reload finds nothing to do');
});
