import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';

/** Signs up a user and answers the session reply. */
export async function signUp(api: TestInstance, email: string, password = 'correct horse battery'): Promise<any> {
  const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password } });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

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
