/** Covers http/routes/admin/ (the admin scope, projects) and services/projects.ts, services/admins.ts. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

forEachEngine(t, 'admin: login, admin-only routes, projects', async (t, api) => {
  // login: the same answer for an unknown email and a wrong password
  let res = await api.request('POST', '/v1/admin/auth/login', { body: { email: 'ADMIN@example.com', password: 'correct horse battery' } });
  t.equal(res.status, 200, 'email is case-insensitive');
  t.match(res.body, { token: /^adm_/, expiresAt: String, admin: { email: 'admin@example.com', id: String } });
  t.notOk('password_hash' in res.body.admin);
  const token = res.body.token;
  const wrongPassword = await api.request('POST', '/v1/admin/auth/login', { body: { email: 'admin@example.com', password: 'wrong password!' } });
  const unknownEmail = await api.request('POST', '/v1/admin/auth/login', { body: { email: 'nobody@example.com', password: 'correct horse battery' } });
  t.equal(wrongPassword.status, 401);
  t.equal(wrongPassword.body.error.code, 'invalid_credentials');
  t.same(unknownEmail, { ...wrongPassword, headers: unknownEmail.headers }, 'unknown email and wrong password look the same');
  for (const body of [{}, { email: 'admin@example.com' }, { email: 'a', password: 'b', extra: 1 }, { email: 1, password: [] }]) {
    res = await api.request('POST', '/v1/admin/auth/login', { body });
    t.equal(res.status, 400, `login ${JSON.stringify(body)}`);
    t.equal(res.body.error.code, 'validation_failed');
  }

  // /v1/admin/*: admins only
  const callers: Array<[string, string | undefined, number, string]> = [
    ['guest', undefined, 401, 'unauthorized'],
    ['service key', api.secret, 403, 'forbidden'],
    ['unknown admin token', 'adm_nope', 401, 'invalid_token'],
    ['garbage', 'nope', 401, 'invalid_token'],
    ['fresh admin token', token, 200, ''],
  ];
  for (const [label, tok, status, code] of callers) {
    for (const [method, path, body] of [
      ['GET', '/v1/admin/projects', undefined],
      ['POST', '/v1/admin/projects', { id: 'other' }],
      ['DELETE', '/v1/admin/projects/nope', undefined],
    ] as const) {
      if (status === 200 && method !== 'GET') continue;
      res = await api.request(method, path, { token: tok, body });
      t.equal(res.status, status, `${label}: ${method} ${path} ${JSON.stringify(res.body)}`);
      if (code) t.equal(res.body.error?.code, code, `${label}: ${method} ${path} code`);
    }
  }
  res = await api.request('GET', '/v1/admin/projects', { token, headers: { authorization: 'Basic abc' } });
  t.equal(res.status, 200, 'the token option wins over headers in the harness');
  res = await api.request('GET', '/v1/admin/projects', { headers: { authorization: 'Basic abc' } });
  t.equal(res.status, 401, 'a non-Bearer Authorization header is refused, not ignored');

  // projects: create, list, delete
  const badIds: Array<[string, unknown]> = [
    ['upper case', 'Other'], ['leading digit', '1x'], ['sql', 'x;drop schema'], ['dot', 'a.b'],
    ['too long', 'a'.repeat(41)], ['empty', ''], ['not a string', 7],
  ];
  for (const [label, id] of badIds) {
    res = await api.request('POST', '/v1/admin/projects', { token, body: { id, name: 'x' } });
    t.equal(res.status, 400, `bad id, ${label}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.code, 'validation_failed', `bad id, ${label}`);
  }
  res = await api.request('POST', '/v1/admin/projects', { token, body: { id: 'app', name: 'again' } });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'conflict');

  res = await api.request('POST', '/v1/admin/projects', { token, body: { id: 'second', name: 'Second' } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.match(res.body, { project: { id: 'second', name: 'Second', createdAt: String }, keys: [{ secret: /^sk_/, prefix: String, id: String }] });
  const secondKey = res.body.keys[0].secret;
  res = await api.request('GET', '/v1/admin/projects', { token });
  t.same(res.body.items.map((p: any) => p.id), ['app', 'second']);

  // a key belongs to one project
  const keyChecks: Array<[string, string, string, number]> = [
    ['own key on app', api.secret, '/v1/projects/app/collections', 200],
    ['own key on second', secondKey, '/v1/projects/second/collections', 200],
    ["app's key on second", api.secret, '/v1/projects/second/collections', 401],
    ["second's key on app", secondKey, '/v1/projects/app/collections', 401],
  ];
  for (const [label, key, path, status] of keyChecks) {
    res = await api.request('GET', path, { token: key });
    t.equal(res.status, status, label);
    if (status === 401) t.equal(res.body.error.code, 'invalid_token', label);
  }

  // delete: the data goes, and so does the key
  res = await api.request('POST', '/v1/projects/second/collections', { token: secondKey, body: { name: 'notes', fields: [{ name: 'body', type: 'text' }] } });
  t.equal(res.status, 201);
  res = await api.request('POST', '/v1/projects/second/collections/notes/records', { token: secondKey, body: { body: 'hello' } });
  t.equal(res.status, 201);
  res = await api.request('DELETE', '/v1/admin/projects/second', { token });
  t.equal(res.status, 204);
  res = await api.request('GET', '/v1/projects/second/collections/notes/records', { token: secondKey });
  t.equal(res.status, 404);
  t.equal(res.body.error.code, 'project_not_found');
  res = await api.request('DELETE', '/v1/admin/projects/second', { token });
  t.equal(res.status, 404);
  res = await api.request('GET', '/v1/admin/projects', { token });
  t.same(res.body.items.map((p: any) => p.id), ['app']);
  // the id can be used again, for a project that starts empty and does not know the old key
  res = await api.request('POST', '/v1/admin/projects', { token, body: { id: 'second' } });
  t.equal(res.status, 201);
  t.equal(res.body.project.name, 'second', 'the name defaults to the id');
  res = await api.request('GET', '/v1/projects/second/collections', { token: secondKey });
  t.equal(res.status, 401, 'the old key is refused');
  res = await api.request('GET', '/v1/projects/second/collections', { token: res.body.keys?.[0]?.secret ?? token });
  t.same(res.body.items, [], 'no collections survive');
  // the other project is untouched
  res = await api.request('GET', api.p('/collections'), { token: api.secret });
  t.equal(res.status, 200);
});
