/** Covers http/routes/projects/user-sessions.ts and services/auth/sessions.ts. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';
import { codeOf, logIn, signUp } from '../../../../test/auth.ts';

forEachEngine(t, "users/:id/sessions: the service role lists and ends a user's sessions", async (t, api) => {
  const ann = (await signUp(api, 'ann@example.com')).user;
  const laptop = await logIn(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const sessions = (token = api.secret, id = ann.id) => api.request('GET', api.p(`/users/${id}/sessions`), { token });

  let res = await sessions();
  t.equal(res.status, 200);
  t.equal(res.body.items.length, 2, 'the sign-up and the login');
  t.match(res.body.items[0], { id: String, method: 'password', createdAt: String, lastUsedAt: String, expiresAt: String, current: false });
  t.equal((await sessions(api.adminToken)).body.items.length, 2, 'admins too');

  const [newest] = res.body.items;
  res = await api.request('DELETE', api.p(`/users/${ann.id}/sessions/${newest.id}`), { token: api.adminToken });
  t.equal(res.status, 204);
  res = await api.request('GET', api.p('/auth/user'), { token: laptop.session.accessToken });
  t.equal(res.status, 401, 'the revoked session stops working at once');
  t.equal(codeOf(res), 'invalid_token');
  res = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: laptop.session.refreshToken } });
  t.equal(res.status, 401, 'and cannot be refreshed');
  t.equal((await sessions()).body.items.length, 1, 'the other session stays');

  res = await api.request('DELETE', api.p(`/users/${ann.id}/sessions/${newest.id}`), { token: api.secret });
  t.equal(res.status, 404, 'gone already');
  t.equal(codeOf(res), 'session_not_found');
  const bobSession = (await sessions(api.secret, bob.user.id)).body.items[0];
  res = await api.request('DELETE', api.p(`/users/${ann.id}/sessions/${bobSession.id}`), { token: api.secret });
  t.equal(res.status, 404, "another user's session is not found under this user");
  t.equal((await sessions(api.secret, bob.user.id)).body.items.length, 1);

  res = await sessions(api.secret, 'nobody');
  t.equal(res.status, 404);
  t.equal(codeOf(res), 'user_not_found');
  res = await api.request('GET', api.p(`/users/${ann.id}/sessions`));
  t.equal(res.status, 401);
  t.equal(codeOf(res), 'unauthorized');
  res = await sessions(bob.session.accessToken);
  t.equal(res.status, 403, 'a user may not see another user’s sessions here');
  t.equal(codeOf(res), 'forbidden');
});
