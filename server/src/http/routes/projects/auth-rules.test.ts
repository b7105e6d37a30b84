/** Covers services/records/access.ts as auth.* reaches rules (http/routes/projects/records.ts, services/auth/tokens.ts). */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';

const owner = 'auth.id != null && owner = auth.id';
const collections = [
  {
    name: 'notes',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'owner', type: 'relation', collection: 'users' },
    ],
    // The update rule judges the stored row; the request.data clause also keeps a record from being given away.
    rules: { list: owner, view: owner, create: owner, update: `${owner} && (request.data.owner = null || request.data.owner = auth.id)`, delete: owner },
  },
  {
    name: 'staff',
    fields: [{ name: 'title', type: 'text' }],
    rules: { list: "auth.role = 'staff'", view: "auth.role = 'staff'", create: "auth.role = 'staff'", update: null, delete: null },
  },
  {
    name: 'verified_only',
    fields: [{ name: 'title', type: 'text' }],
    rules: { list: 'auth.verified = true', view: '', create: 'auth.verified = true && auth.anonymous = false', update: null, delete: null },
  },
  {
    name: 'plans',
    fields: [{ name: 'title', type: 'text' }, { name: 'tier', type: 'text' }],
    rules: { list: 'tier = auth.data.plan', view: '', create: null, update: null, delete: null },
  },
];

async function setUp(api: TestInstance): Promise<void> {
  for (const def of collections) {
    const res = await api.request('POST', api.p('/collections'), { token: api.secret, body: def });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }
}

const records = (api: TestInstance, name: string) => api.p(`/collections/${name}/records`);

forEachEngine(t, 'owner rule: a user sees and changes only their own records', async (t, api) => {
  await setUp(api);
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const annToken = ann.session.accessToken;
  const bobToken = bob.session.accessToken;

  const mine = await api.request('POST', records(api, 'notes'), { token: annToken, body: { title: 'ann 1', owner: ann.user.id } });
  t.equal(mine.status, 201);
  await api.request('POST', records(api, 'notes'), { token: bobToken, body: { title: 'bob 1', owner: bob.user.id } });

  const forged = await api.request('POST', records(api, 'notes'), { token: bobToken, body: { title: 'planted', owner: ann.user.id } });
  t.equal(forged.status, 403, 'creating a record for someone else is refused');
  const ownerless = await api.request('POST', records(api, 'notes'), { token: bobToken, body: { title: 'nobody' } });
  t.equal(ownerless.status, 403, 'an ownerless record is refused too (null-safe =)');
  t.equal((await api.request('POST', records(api, 'notes'), { body: { title: 'guest' } })).status, 403, 'guests create nothing');

  const annList = await api.request('GET', records(api, 'notes'), { token: annToken });
  t.same(annList.body.items.map((r: any) => r.title), ['ann 1']);
  const bobList = await api.request('GET', `${records(api, 'notes')}?count=true`, { token: bobToken });
  t.same(bobList.body.items.map((r: any) => r.title), ['bob 1']);
  t.equal(bobList.body.total, 1);
  t.same((await api.request('GET', records(api, 'notes'))).body.items, [], 'a guest sees nothing');

  const id = mine.body.id;
  t.equal((await api.request('GET', `${records(api, 'notes')}/${id}`, { token: bobToken })).status, 404, "another's record is not found");
  t.equal((await api.request('PATCH', `${records(api, 'notes')}/${id}`, { token: bobToken, body: { title: 'hacked' } })).status, 404);
  t.equal((await api.request('DELETE', `${records(api, 'notes')}/${id}`, { token: bobToken })).status, 404);
  const steal = await api.request('PATCH', `${records(api, 'notes')}/${id}`, { token: annToken, body: { owner: bob.user.id } });
  t.equal(steal.status, 404, 'giving a record away is refused by the request.data clause');
  t.equal((await api.request('PATCH', `${records(api, 'notes')}/${id}`, { token: annToken, body: { title: 'ann 1b' } })).status, 200);
  const filtered = await api.request('GET', `${records(api, 'notes')}?filter=${encodeURIComponent('owner = auth.id')}`, { token: annToken });
  t.same(filtered.body.items.map((r: any) => r.title), ['ann 1b'], 'auth.* works in client filters');
});

forEachEngine(t, 'auth.role, auth.verified, auth.anonymous and auth.data in rules', async (t, api) => {
  await setUp(api);
  const staff = await signUp(api, 'staff@example.com');
  const plain = await signUp(api, 'plain@example.com');
  await api.request('PATCH', api.p(`/users/${staff.user.id}`), { token: api.secret, body: { role: 'staff', verified: true } });

  t.equal((await api.request('POST', records(api, 'staff'), { token: staff.session.accessToken, body: { title: 's' } })).status, 201, 'role staff may create');
  t.equal((await api.request('POST', records(api, 'staff'), { token: plain.session.accessToken, body: { title: 'p' } })).status, 403);
  t.equal((await api.request('GET', records(api, 'staff'), { token: staff.session.accessToken })).body.items.length, 1);
  t.equal((await api.request('GET', records(api, 'staff'), { token: plain.session.accessToken })).body.items.length, 0);

  t.equal((await api.request('POST', records(api, 'verified_only'), { token: staff.session.accessToken, body: { title: 'v' } })).status, 201, 'verified may create');
  t.equal((await api.request('POST', records(api, 'verified_only'), { token: plain.session.accessToken, body: { title: 'u' } })).status, 403, 'unverified may not');
  t.equal((await api.request('GET', records(api, 'verified_only'), { token: plain.session.accessToken })).body.items.length, 0);
  const anon = await api.request('POST', api.p('/auth/anonymous'));
  t.equal((await api.request('POST', records(api, 'verified_only'), { token: anon.body.session.accessToken, body: { title: 'a' } })).status, 403);

  for (const tier of ['free', 'pro']) await api.request('POST', records(api, 'plans'), { token: api.secret, body: { title: tier, tier } });
  await api.request('PATCH', api.p('/auth/user'), { token: plain.session.accessToken, body: { data: { plan: 'pro' } } });
  t.same((await api.request('GET', records(api, 'plans'), { token: plain.session.accessToken })).body.items.map((r: any) => r.title), ['pro'], 'auth.data.plan');
  t.same((await api.request('GET', records(api, 'plans'), { token: staff.session.accessToken })).body.items, [], 'no plan: nothing (null = null is not a match of a comparison with a missing value)');
});

forEachEngine(t, 'an upgraded anonymous user keeps their records', async (t, api) => {
  await setUp(api);
  const anon = (await api.request('POST', api.p('/auth/anonymous'))).body;
  const created = await api.request('POST', records(api, 'notes'), { token: anon.session.accessToken, body: { title: 'draft', owner: anon.user.id } });
  t.equal(created.status, 201);
  const up = await api.request('PATCH', api.p('/auth/user'), { token: anon.session.accessToken, body: { email: 'kept@example.com', password: 'a good password' } });
  t.equal(up.status, 200);
  const login = await api.request('POST', api.p('/auth/login'), { body: { email: 'kept@example.com', password: 'a good password' } });
  const list = await api.request('GET', records(api, 'notes'), { token: login.body.session.accessToken });
  t.same(list.body.items.map((r: any) => r.id), [created.body.id], 'same id, same records');
  t.equal(codeOf(await api.request('GET', records(api, 'notes'), { token: 'x.y.z' })), 'invalid_token');
});
