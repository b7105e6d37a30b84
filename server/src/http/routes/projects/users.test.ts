/** Covers http/routes/projects/users.ts, services/auth/users.ts and users-list.ts. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';
import { codeOf, logIn, signUp } from '../../../../test/auth.ts';

forEachEngine(t, 'service-role users: create, list with filter/sort/cursor, read, change, delete', async (t, api) => {
  const sk = api.secret;
  const user = await signUp(api, 'member@example.com');
  t.equal((await api.request('GET', api.p('/users'), { token: user.session.accessToken })).status, 403, 'users may not list users');
  t.equal((await api.request('GET', api.p('/users'))).status, 401);

  const created = await api.request('POST', api.p('/users'), { token: sk, body: { email: 'Boss@Example.com', password: 'a good password', verified: true, role: 'staff', data: { n: 1 } } });
  t.equal(created.status, 201);
  t.match(created.body, { email: 'boss@example.com', verified: true, role: 'staff', data: { n: 1 }, anonymous: false, disabled: false });
  t.notOk('passwordHash' in created.body);
  await logIn(api, 'boss@example.com', 'a good password');
  t.equal((await api.request('POST', api.p('/users'), { token: sk, body: { email: 'boss@example.com' } })).status, 409);
  t.equal((await api.request('POST', api.p('/users'), { token: sk, body: { email: 'not-an-email' } })).status, 400);
  for (let i = 0; i < 3; i++) await api.request('POST', api.p('/users'), { token: sk, body: { email: `u${i}@test.org` } });

  const filtered = await api.request('GET', api.p(`/users?filter=${encodeURIComponent("email ~ 'example.com' && verified = true")}`), { token: sk });
  t.equal(filtered.status, 200);
  t.same(filtered.body.items.map((u: any) => u.email), ['boss@example.com'], 'filter over private fields (email) for the service role');
  const bad = await api.request('GET', api.p(`/users?filter=${encodeURIComponent('password_hash != null')}`), { token: sk });
  t.equal(codeOf(bad), 'invalid_filter', 'the password hash is not a field');

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/users?sort=-email&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await api.request('GET', api.p(q), { token: sk });
    t.equal(page.status, 200);
    seen.push(...page.body.items.map((u: any) => u.email));
    cursor = page.body.nextCursor;
  } while (cursor);
  t.same(seen, ['u2@test.org', 'u1@test.org', 'u0@test.org', 'member@example.com', 'boss@example.com'], 'keyset paging in sort order');
  t.equal(codeOf(await api.request('GET', api.p('/users?sort=password_hash'), { token: sk })), 'invalid_sort');

  const id = created.body.id;
  t.equal((await api.request('GET', api.p(`/users/${id}`), { token: sk })).body.email, 'boss@example.com');
  t.equal((await api.request('GET', api.p('/users/nope'), { token: sk })).status, 404);
  const patched = await api.request('PATCH', api.p(`/users/${id}`), { token: sk, body: { role: null, data: { n: 2 }, email: 'chief@example.com' } });
  t.match(patched.body, { role: null, data: { n: 2 }, email: 'chief@example.com' });
  t.equal((await api.request('PATCH', api.p(`/users/${id}`), { token: sk, body: { email: 'member@example.com' } })).status, 409);
  t.equal((await api.request('PATCH', api.p(`/users/${id}`), { token: sk, body: { password: 'tiny' } })).status, 400);

  t.equal((await api.request('DELETE', api.p(`/users/${user.user.id}`), { token: sk })).status, 204);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: user.session.accessToken })).status, 401, "a deleted user's token stops working");
  t.equal((await api.request('DELETE', api.p(`/users/${user.user.id}`), { token: sk })).status, 404);
});

forEachEngine(t, 'auth settings', async (t, api) => {
  const got = await api.request('GET', api.p('/auth/settings'), { token: api.secret });
  t.same(got.body, { siteUrl: null, redirectUrls: [], accessTokenTtl: 900, refreshTokenTtl: 2592000, passwordMinLength: 8, emailTokenTtl: 3600 });
  const user = await signUp(api, 's@example.com');
  t.equal((await api.request('GET', api.p('/auth/settings'), { token: user.session.accessToken })).status, 403);
  const set = await api.request('PATCH', api.p('/auth/settings'), { token: api.secret, body: { siteUrl: 'https://app.example.com', redirectUrls: ['http://localhost:3000/cb'] } });
  t.equal(set.status, 200);
  t.match(set.body, { siteUrl: 'https://app.example.com', redirectUrls: ['http://localhost:3000/cb'], accessTokenTtl: 900 });
  const bad = await api.request('PATCH', api.p('/auth/settings'), { token: api.secret, body: { accessTokenTtl: 0, siteUrl: 'javascript:alert(1)' } });
  t.equal(bad.status, 400);
  t.ok(bad.body.error.details.fields.accessTokenTtl);
  t.ok(bad.body.error.details.fields.siteUrl);
  t.equal((await api.request('GET', api.p('/auth/settings'), { token: api.secret })).body.accessTokenTtl, 900, 'nothing changed');
});
