/** Covers http/routes/admin/admins.ts and services/admins.ts (admins, admin sessions, logout). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

forEachEngine(t, 'admin: admins list/create/delete, logout, sessions', async (t, api) => {
  const token = api.adminToken;
  const login = async (email: string, password: string) =>
    (await api.request('POST', '/v1/admin/auth/login', { body: { email, password } })).body.token as string;

  // admins only, on every route
  const routes = [
    ['GET', '/v1/admin/admins', undefined],
    ['POST', '/v1/admin/admins', { email: 'x@example.com', password: 'long enough password' }],
    ['DELETE', '/v1/admin/admins/admin@example.com', undefined],
    ['POST', '/v1/admin/auth/logout', undefined],
    ['GET', '/v1/admin/auth/sessions', undefined],
  ] as const;
  for (const [label, tok, status, code] of [['guest', undefined, 401, 'unauthorized'], ['service key', api.secret, 403, 'forbidden'], ['bad token', 'adm_nope', 401, 'invalid_token']] as const) {
    for (const [method, path, body] of routes) {
      const res = await api.request(method, path, { token: tok, body });
      t.equal(res.status, status, `${label}: ${method} ${path}`);
      t.equal(res.body.error?.code, code, `${label}: ${method} ${path} code`);
    }
  }

  // list and create
  let res = await api.request('GET', '/v1/admin/admins', { token });
  t.equal(res.status, 200);
  t.match(res.body.items, [{ id: String, email: 'admin@example.com', createdAt: String }]);
  t.equal(res.body.items.length, 1);
  const first = res.body.items[0];

  res = await api.request('POST', '/v1/admin/admins', { token, body: { email: 'Ops@Example.com', password: 'another long password' } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.match(res.body, { id: String, email: 'ops@example.com', createdAt: String });
  t.same(Object.keys(res.body).sort(), ['createdAt', 'email', 'id'], 'never the hash');

  res = await api.request('POST', '/v1/admin/admins', { token, body: { email: 'OPS@example.com', password: 'yet another password' } });
  t.equal(res.status, 409, 'duplicate email, whatever its case');
  t.match(res.body.error, { code: 'conflict', message: "an admin with email 'ops@example.com' exists" });
  res = await api.request('POST', '/v1/admin/admins', { token, body: { email: 'weak@example.com', password: 'short' } });
  t.equal(res.status, 400);
  t.match(res.body.error, { code: 'validation_failed', details: { fields: { password: { code: 'too_short' } } } });
  res = await api.request('POST', '/v1/admin/admins', { token, body: { email: 'not an email', password: 'long enough password' } });
  t.match(res.body.error, { code: 'validation_failed', details: { fields: { email: { code: 'invalid_email' } } } });
  for (const body of [{}, { email: 'a@b.co' }, { email: 'a@b.co', password: 'long enough password', admin: true }, { email: 1, password: 2 }]) {
    res = await api.request('POST', '/v1/admin/admins', { token, body });
    t.equal(res.status, 400, `create ${JSON.stringify(body)}`);
  }
  res = await api.request('GET', '/v1/admin/admins', { token });
  t.same(res.body.items.map((a: { email: string }) => a.email), ['admin@example.com', 'ops@example.com'], 'ordered by email');

  // the new admin can sign in and work
  const opsToken = await login('ops@example.com', 'another long password');
  t.match(opsToken, /^adm_/);
  t.equal((await api.request('GET', '/v1/admin/projects', { token: opsToken })).status, 200);

  // sessions: the caller's own, the current one marked
  const second = await login('admin@example.com', 'correct horse battery');
  res = await api.request('GET', '/v1/admin/auth/sessions', { token });
  t.equal(res.status, 200);
  t.equal(res.body.items.length, 2, "only admin@'s two sessions, not ops@'s");
  t.same(res.body.items.map((s: { current: boolean }) => s.current).sort(), [false, true]);
  t.notOk(JSON.stringify(res.body).includes('adm_'), 'never a token');
  t.match(res.body.items[0], { id: String, createdAt: String, expiresAt: String });

  // logout ends that session only
  res = await api.request('POST', '/v1/admin/auth/logout', { token: second });
  t.equal(res.status, 204);
  res = await api.request('GET', '/v1/admin/admins', { token: second });
  t.equal(res.status, 401);
  t.equal(res.body.error.code, 'invalid_token');
  t.equal((await api.request('GET', '/v1/admin/admins', { token })).status, 200, 'the other session still works');
  t.equal((await api.request('GET', '/v1/admin/auth/sessions', { token })).body.items.length, 1);

  // delete: not found, yourself, by email, the last one
  res = await api.request('DELETE', '/v1/admin/admins/nobody@example.com', { token });
  t.equal(res.status, 404);
  t.match(res.body.error, { code: 'admin_not_found', message: "no admin 'nobody@example.com'" });
  res = await api.request('DELETE', `/v1/admin/admins/${first.id}`, { token });
  t.equal(res.status, 409, 'not yourself without force');
  t.match(res.body.error, { code: 'conflict', message: /your own admin account/ });
  res = await api.request('DELETE', `/v1/admin/admins/${first.id}?force=nope`, { token });
  t.equal(res.status, 400, 'force is a boolean');

  res = await api.request('DELETE', '/v1/admin/admins/OPS@example.com', { token });
  t.equal(res.status, 204, 'by email, any case');
  res = await api.request('GET', '/v1/admin/projects', { token: opsToken });
  t.equal(res.status, 401, "a deleted admin's sessions end with them");
  t.equal((await api.request('POST', '/v1/admin/auth/login', { body: { email: 'ops@example.com', password: 'another long password' } })).status, 401);

  res = await api.request('DELETE', `/v1/admin/admins/${first.id}?force=true`, { token });
  t.equal(res.status, 409, 'never the last admin, even with force');
  t.match(res.body.error, { code: 'conflict', message: "'admin@example.com' is the last admin: create another admin before deleting this one" });

  // with another admin around, deleting yourself with force works and signs you out
  res = await api.request('POST', '/v1/admin/admins', { token, body: { email: 'next@example.com', password: 'another long password' } });
  const nextId = res.body.id;
  res = await api.request('DELETE', `/v1/admin/admins/${first.id}?force=true`, { token });
  t.equal(res.status, 204);
  t.equal((await api.request('GET', '/v1/admin/admins', { token })).status, 401);
  const nextToken = await login('next@example.com', 'another long password');
  res = await api.request('GET', '/v1/admin/admins', { token: nextToken });
  t.same(res.body.items.map((a: { id: string }) => a.id), [nextId]);

  // two concurrent deletes of the only two admins: one wins, one admin is left
  res = await api.request('POST', '/v1/admin/admins', { token: nextToken, body: { email: 'race@example.com', password: 'another long password' } });
  const raceToken = await login('race@example.com', 'another long password');
  const [a, b] = await Promise.all([
    api.request('DELETE', '/v1/admin/admins/race@example.com', { token: nextToken }),
    api.request('DELETE', '/v1/admin/admins/next@example.com', { token: raceToken }),
  ]);
  // the loser gets 409, or 401 when its caller was deleted before its request was authenticated
  t.equal([a, b].filter((r) => r.status === 204).length, 1, `exactly one delete succeeds: ${a.status} ${b.status}`);
  t.equal(await api.app.baas.admins.count(), 1);
});
