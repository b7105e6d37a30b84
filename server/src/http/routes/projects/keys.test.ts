/** Covers http/routes/projects/keys.ts and services/keys.ts. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

forEachEngine(t, 'keys: list, create, revoke; a revoked key stops working', async (t, api) => {
  const keys = api.p('/keys');
  let res = await api.request('GET', keys, { token: api.secret });
  t.equal(res.status, 200);
  t.equal(res.body.items.length, 1);
  t.match(res.body.items[0], { id: String, name: 'default', prefix: /^sk_/, createdAt: String });
  t.ok(api.secret.startsWith(res.body.items[0].prefix), 'the prefix identifies the key');
  t.notOk(JSON.stringify(res.body).includes(api.secret), 'the secret is never listed');
  t.notOk('hash' in res.body.items[0]);

  // who may manage keys
  const callers: Array<[string, string | undefined, number]> = [
    ['guest', undefined, 401],
    ['unknown key', 'sk_nope', 401],
    ['admin', api.adminToken, 200],
  ];
  for (const [label, token, status] of callers) {
    res = await api.request('GET', keys, { token });
    t.equal(res.status, status, `list as ${label}`);
    res = await api.request('POST', keys, { token, body: { name: 'x' } });
    t.equal(res.status, status === 200 ? 201 : status, `create as ${label}`);
  }

  // create: the secret is shown once
  res = await api.request('POST', keys, { token: api.secret, body: { name: 'ci' } });
  t.equal(res.status, 201);
  t.match(res.body, { id: String, name: 'ci', prefix: /^sk_/, secret: /^sk_[A-Za-z0-9_-]{40,}$/, createdAt: String });
  const ci = res.body;
  res = await api.request('POST', keys, { token: api.secret });
  t.equal(res.status, 201, 'the name is optional');
  for (const body of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', extra: true }]) {
    res = await api.request('POST', keys, { token: api.secret, body });
    t.equal(res.status, 400, `create ${JSON.stringify(body).slice(0, 40)}`);
  }
  res = await api.request('GET', api.p('/collections'), { token: ci.secret });
  t.equal(res.status, 200, 'the new key works');
  res = await api.request('GET', keys, { token: ci.secret });
  t.same(res.body.items.map((k: any) => k.name), ['default', 'x', 'ci', 'key']);

  // revoke
  res = await api.request('DELETE', `${keys}/${ci.id}`, { token: api.secret });
  t.equal(res.status, 204);
  res = await api.request('GET', api.p('/collections'), { token: ci.secret });
  t.equal(res.status, 401, 'a revoked key stops working');
  t.equal(res.body.error.code, 'invalid_token');
  res = await api.request('DELETE', `${keys}/${ci.id}`, { token: api.secret });
  t.equal(res.status, 404, 'revoking twice');
  res = await api.request('DELETE', `${keys}/nope`, { token: api.secret });
  t.equal(res.status, 404);
  res = await api.request('DELETE', `${keys}/${ci.id}`);
  t.equal(res.status, 401, 'guests cannot revoke');
  res = await api.request('GET', keys, { token: api.secret });
  t.notOk(res.body.items.some((k: any) => k.id === ci.id));

  // keys of one project do not manage another's
  res = await api.request('POST', '/v1/admin/projects', { token: api.adminToken, body: { id: 'other' } });
  const otherKey = res.body.keys[0];
  res = await api.request('DELETE', `/v1/projects/other/keys/${otherKey.id}`, { token: api.secret });
  t.equal(res.status, 401, "app's key on other's keys");
  res = await api.request('DELETE', `${keys}/${otherKey.id}`, { token: api.secret });
  t.equal(res.status, 404, "other's key id is unknown in app");
  res = await api.request('GET', '/v1/projects/other/keys', { token: otherKey.secret });
  t.equal(res.status, 200, 'still works');
});
