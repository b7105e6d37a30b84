/** Covers http/routes/projects/auth.ts, auth-sessions.ts, services/auth/account.ts, sessions.ts and users.ts. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';
import { codeOf, logIn, PASSWORD, signUp } from '../../../../test/auth.ts';
import { passwordCheck } from '../../../services/auth/account.ts';
import { dummyPasswordHash } from '../../../crypto.ts';

forEachEngine(t, 'signup, login, user, refresh, logout', async (t, api) => {
  const signup = await api.request('POST', api.p('/auth/signup'), { body: { email: ' Ann@Example.com ', password: 'correct horse battery', data: { name: 'Ann' } } });
  t.equal(signup.status, 201);
  t.equal(signup.body.user.email, 'ann@example.com', 'email normalized');
  t.same(signup.body.user.data, { name: 'Ann' });
  t.equal(signup.body.user.verified, false);
  t.notOk('passwordHash' in signup.body.user);
  t.match(signup.body.session, { accessToken: String, refreshToken: /^rt_/, expiresAt: String });
  t.ok(signup.body.user.lastSignInAt);

  const dup = await api.request('POST', api.p('/auth/signup'), { body: { email: 'ann@example.com', password: 'another password' } });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'conflict');

  const me = await api.request('GET', api.p('/auth/user'), { token: signup.body.session.accessToken });
  t.equal(me.status, 200);
  t.equal(me.body.id, signup.body.user.id);

  const login = await api.request('POST', api.p('/auth/login'), { body: { email: 'ANN@example.com', password: 'correct horse battery' } });
  t.equal(login.status, 200);
  t.equal(login.body.user.id, signup.body.user.id);

  for (const body of [{ email: 'ann@example.com', password: 'wrong password!' }, { email: 'nobody@example.com', password: 'correct horse battery' }]) {
    const bad = await api.request('POST', api.p('/auth/login'), { body });
    t.equal(bad.status, 401);
    t.same(bad.body, { error: { code: 'invalid_credentials', message: 'the email or the password is wrong' } }, 'same answer for unknown email and wrong password');
  }

  const refreshed = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: login.body.session.refreshToken } });
  t.equal(refreshed.status, 200);
  t.not(refreshed.body.session.refreshToken, login.body.session.refreshToken, 'rotated');
  t.equal((await api.request('GET', api.p('/auth/user'), { token: refreshed.body.session.accessToken })).status, 200);

  const logout = await api.request('POST', api.p('/auth/logout'), { token: refreshed.body.session.accessToken });
  t.equal(logout.status, 204);
  const after = await api.request('GET', api.p('/auth/user'), { token: refreshed.body.session.accessToken });
  t.equal(after.status, 401, 'the access token of a logged-out session stops working at once');
  t.equal(after.body.error.code, 'invalid_token');
  const stale = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: refreshed.body.session.refreshToken } });
  t.equal(stale.status, 401);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: signup.body.session.accessToken })).status, 200, 'the other session lives on');
});

forEachEngine(t, 'refresh tokens rotate; a reused one revokes the whole session', async (t, api) => {
  const first = await signUp(api, 'rot@example.com');
  const second = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: first.session.refreshToken } });
  t.equal(second.status, 200);
  const third = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: second.body.session.refreshToken } });
  t.equal(third.status, 200);

  // An attacker replays the first token: the session dies, with every token of it.
  const replay = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: first.session.refreshToken } });
  t.equal(replay.status, 401);
  t.equal(codeOf(replay), 'invalid_token');
  t.match(replay.body.error.message, /revoked/);
  t.equal(codeOf(await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: third.body.session.refreshToken } })), 'invalid_token', 'the newest refresh token is dead too');
  t.equal((await api.request('GET', api.p('/auth/user'), { token: third.body.session.accessToken })).status, 401, 'and so are its access tokens');

  const unknown = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: 'rt_nope' } });
  t.equal(unknown.status, 401);
  t.equal(codeOf(unknown), 'invalid_token');

  // A client may send its expired access token out of habit: refresh still works.
  const fresh = await logIn(api, 'rot@example.com');
  const withStale = await api.request('POST', api.p('/auth/refresh'), { token: 'not.a.jwt', body: { refreshToken: fresh.session.refreshToken } });
  t.equal(withStale.status, 200, 'a bad bearer token does not block refresh');
});

forEachEngine(t, 'two concurrent refreshes with one token: one wins, the other is a reuse', async (t, api) => {
  for (let round = 0; round < 3; round++) {
    const s = await signUp(api, `race${round}@example.com`);
    const replies = await Promise.all([1, 2].map(() => api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: s.session.refreshToken } })));
    t.same(replies.map((r) => r.status).sort(), [200, 401], 'exactly one wins');
    const winner = replies.find((r) => r.status === 200)!;
    const after = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: winner.body.session.refreshToken } });
    t.equal(after.status, 401, 'the loser counted as reuse: the session is revoked');
  }
});

forEachEngine(t, 'password change: needs the current password, revokes the other sessions', async (t, api) => {
  const a = await signUp(api, 'pw@example.com');
  const b = await logIn(api, 'pw@example.com');
  const patch = (body: object) => api.request('PATCH', api.p('/auth/user'), { token: a.session.accessToken, body });

  const missing = await patch({ password: 'a new password' });
  t.equal(missing.status, 400);
  t.ok(missing.body.error.details.fields.currentPassword);
  const wrong = await patch({ password: 'a new password', currentPassword: 'not it at all' });
  t.equal(wrong.status, 401);
  t.equal(codeOf(wrong), 'invalid_credentials');
  const short = await patch({ password: 'short', currentPassword: PASSWORD });
  t.equal(short.status, 400);
  t.equal(short.body.error.details.fields.password.code, 'min_length');

  const ok = await patch({ password: 'a new password', currentPassword: PASSWORD });
  t.equal(ok.status, 200);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: b.session.accessToken })).status, 401, 'the other session ended');
  t.equal((await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: b.session.refreshToken } })).status, 401);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: a.session.accessToken })).status, 200, 'the changing session lives on');
  t.equal((await api.request('POST', api.p('/auth/login'), { body: { email: 'pw@example.com', password: PASSWORD } })).status, 401);
  await logIn(api, 'pw@example.com', 'a new password');

  const data = await patch({ data: { theme: 'dark' } });
  t.same(data.body.data, { theme: 'dark' });
  const email = await patch({ email: 'other@example.com' });
  t.equal(email.status, 400, 'a regular account changes its email through the confirmation flow');
  t.equal(email.body.error.details.fields.email.code, 'use_email_change');
});

forEachEngine(t, 'password policy', async (t, api) => {
  const cases: Array<[string, string, string]> = [
    ['p1@example.com', 'short', 'min_length'],
    ['p2@example.com', 'P2@Example.com', 'same_as_email'],
    ['p3@example.com', 'x'.repeat(1025), 'maxLength'],
  ];
  for (const [email, password, code] of cases) {
    const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password } });
    t.equal(res.status, 400, code);
    t.equal(codeOf(res), 'validation_failed');
    t.equal(res.body.error.details.fields.password.code, code);
  }
  await api.request('PATCH', api.p('/auth/settings'), { token: api.secret, body: { passwordMinLength: 12 } });
  const longer = await api.request('POST', api.p('/auth/signup'), { body: { email: 'p4@example.com', password: 'elevenchars' } });
  t.equal(longer.status, 400, 'the minimum comes from the settings');
  t.match(longer.body.error.message, /12/);
});

forEachEngine(t, 'sessions: list own, revoke own, 404 for others', async (t, api) => {
  const a1 = await signUp(api, 'sa@example.com');
  const a2 = await logIn(api, 'sa@example.com');
  const b = await signUp(api, 'sb@example.com');
  const list = await api.request('GET', api.p('/auth/sessions'), { token: a1.session.accessToken, headers: {} });
  t.equal(list.status, 200);
  t.equal(list.body.items.length, 2);
  t.same(list.body.items.map((s: any) => s.current).sort(), [false, true]);
  t.match(list.body.items[0], { id: String, method: 'password', createdAt: String, lastUsedAt: String, expiresAt: String });
  const other = list.body.items.find((s: any) => !s.current);

  const bSessions = await api.request('GET', api.p('/auth/sessions'), { token: b.session.accessToken });
  const foreign = await api.request('DELETE', api.p(`/auth/sessions/${bSessions.body.items[0].id}`), { token: a1.session.accessToken });
  t.equal(foreign.status, 404, "another user's session is not found");
  t.equal((await api.request('GET', api.p('/auth/user'), { token: b.session.accessToken })).status, 200);

  t.equal((await api.request('DELETE', api.p(`/auth/sessions/${other.id}`), { token: a1.session.accessToken })).status, 204);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: a2.session.accessToken })).status, 401);
  t.equal((await api.request('GET', api.p('/auth/sessions'), { token: a1.session.accessToken })).body.items.length, 1);
  t.equal((await api.request('GET', api.p('/auth/sessions'))).status, 401, 'guests have no sessions');
  t.equal((await api.request('GET', api.p('/auth/sessions'), { token: api.secret })).status, 403, 'nor has the service role');
});

forEachEngine(t, 'anonymous sign-in and upgrade keep the id', async (t, api) => {
  const anon = await api.request('POST', api.p('/auth/anonymous'));
  t.equal(anon.status, 201);
  t.match(anon.body.user, { anonymous: true, email: null, verified: false });
  const token = anon.body.session.accessToken;
  const lonely = await api.request('PATCH', api.p('/auth/user'), { token, body: { password: 'a good password' } });
  t.equal(lonely.status, 400, 'a password alone does not upgrade');
  await signUp(api, 'taken@example.com');
  const taken = await api.request('PATCH', api.p('/auth/user'), { token, body: { email: 'taken@example.com', password: 'a good password' } });
  t.equal(taken.status, 409);
  const up = await api.request('PATCH', api.p('/auth/user'), { token, body: { email: 'Anon@Example.com', password: 'a good password' } });
  t.equal(up.status, 200);
  t.match(up.body, { id: anon.body.user.id, email: 'anon@example.com', anonymous: false, verified: false });
  const login = await logIn(api, 'anon@example.com', 'a good password');
  t.equal(login.user.id, anon.body.user.id, 'same id after the upgrade');
  t.equal((await api.request('GET', api.p('/auth/user'), { token })).body.anonymous, false, 'the old session sees the upgraded user');
});

forEachEngine(t, 'a disabled user is refused at once', async (t, api) => {
  const s = await signUp(api, 'dis@example.com');
  t.equal((await api.request('GET', api.p('/auth/user'), { token: s.session.accessToken })).status, 200);
  const off = await api.request('PATCH', api.p(`/users/${s.user.id}`), { token: api.secret, body: { disabled: true } });
  t.equal(off.status, 200);
  t.equal(off.body.disabled, true);
  const me = await api.request('GET', api.p('/auth/user'), { token: s.session.accessToken });
  t.equal(me.status, 401, 'the access token stops working before it expires');
  t.equal(codeOf(me), 'invalid_token');
  t.equal((await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: s.session.refreshToken } })).status, 401);
  const login = await api.request('POST', api.p('/auth/login'), { body: { email: 'dis@example.com', password: PASSWORD } });
  t.equal(login.status, 403);
  const wrong = await api.request('POST', api.p('/auth/login'), { body: { email: 'dis@example.com', password: 'not the password' } });
  t.equal(wrong.status, 401, 'a wrong password on a disabled account is just a wrong password');
  await api.request('PATCH', api.p(`/users/${s.user.id}`), { token: api.secret, body: { disabled: false } });
  await logIn(api, 'dis@example.com');
});

forEachEngine(t, 'login: unknown email and wrong password do the same scrypt work', async (t, api) => {
  await signUp(api, 'timing@example.com');
  const realVerify = passwordCheck.verify;
  const calls: string[] = [];
  passwordCheck.verify = async (password, hash) => {
    calls.push(hash);
    return realVerify(password, hash);
  };
  t.teardown(() => {
    passwordCheck.verify = realVerify;
  });
  const dummy = await dummyPasswordHash;
  const unknown = await api.request('POST', api.p('/auth/login'), { body: { email: 'ghost@example.com', password: PASSWORD } });
  t.equal(calls.length, 1, 'unknown email: one full password verification');
  t.equal(calls[0], dummy, '... against the dummy hash');
  const wrong = await api.request('POST', api.p('/auth/login'), { body: { email: 'timing@example.com', password: 'wrong password' } });
  t.equal(calls.length, 2, 'wrong password: one full password verification');
  t.not(calls[1], dummy);
  t.match(calls[1], /^scrypt\$/);
  t.equal(calls[0].split('$').slice(0, 4).join('$'), calls[1].split('$').slice(0, 4).join('$'), 'same scrypt parameters');
  t.same(unknown.body, wrong.body, 'same answer');
  t.equal(unknown.status, wrong.status);
  const anon = await api.request('POST', api.p('/auth/anonymous'));
  t.equal(anon.status, 201);
  t.equal(calls.length, 2);
});
