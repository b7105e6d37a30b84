/** Covers http/routes/projects/rules-test.ts and services/rule-tester.ts. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, logIn, signUp } from '../../../../test/auth.ts';

const mine = 'auth.id != null && owner = auth.id';

async function setup(api: TestInstance) {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: {
      name: 'notes',
      fields: [{ name: 'text', type: 'text' }, { name: 'owner', type: 'relation', collection: 'users' }],
      rules: { list: mine, view: mine, create: mine, update: `${mine} && text != 'frozen'`, delete: null },
    },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  const ann = (await signUp(api, 'ann@example.com')).user;
  const bob = (await signUp(api, 'bob@example.com')).user;
  const ids: Record<string, string> = {};
  for (const [text, owner] of [['ann 1', ann.id], ['frozen', ann.id], ['bob 1', bob.id]]) {
    ids[text] = (await api.request('POST', api.p('/collections/notes/records'), { token: api.secret, body: { text, owner } })).body.id;
  }
  const test = (body: unknown, token = api.adminToken) => api.request('POST', api.p('/collections/notes/rules/test'), { token, body });
  return { ann, bob, ids, test };
}

forEachEngine(t, 'rule tester: each rule as a user, as the records API judges them', async (t, api) => {
  const { ann, ids, test } = await setup(api);
  let res = await test({ user: ann.id });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.user.email, 'ann@example.com');
  t.same(res.body.records.map((r: any) => r.text), ['bob 1', 'frozen', 'ann 1'], 'the sample is every record, newest first');
  t.same(res.body.rules.list, { rule: mine, allowed: [ids.frozen, ids['ann 1']] });
  t.same(res.body.rules.view.allowed, [ids.frozen, ids['ann 1']]);
  t.same(res.body.rules.update.allowed, [ids['ann 1']], 'the update rule reads the stored record');
  t.same(res.body.rules.delete, { rule: null, allowed: [] }, 'a locked rule lets no user through');

  // The answer is what Ann gets from the API itself.
  const session = await logIn(api, 'ann@example.com');
  const listed = await api.request('GET', api.p('/collections/notes/records'), { token: session.session.accessToken });
  t.same(listed.body.items.map((r: any) => r.id).sort(), [...res.body.rules.list.allowed].sort());
  const frozen = await api.request('PATCH', api.p(`/collections/notes/records/${ids.frozen}`), { token: session.session.accessToken, body: { text: 'x' } });
  t.equal(frozen.status, 404, 'the API refuses the update the tester denied');

  res = await test({});
  t.equal(res.body.user, null, 'no user: a guest');
  t.same(res.body.rules.list.allowed, [], 'a guest is nobody’s owner');

  // Draft rules, unsaved: judged as they stand; the saved ones are unchanged.
  res = await test({ user: null, rules: { list: '', view: "text ~ 'bob'" } });
  t.equal(res.body.rules.list.allowed.length, 3);
  t.same(res.body.rules.view.allowed, [ids['bob 1']]);
  t.same(res.body.rules.update.rule, `${mine} && text != 'frozen'`, 'rules not in the draft stay the saved ones');
  t.equal((await api.request('GET', api.p('/collections/notes'), { token: api.secret })).body.rules.list, mine);

  res = await test({ user: ann.id, filter: "text = 'ann 1'", limit: 5 });
  t.same(res.body.records.map((r: any) => r.id), [ids['ann 1']], 'a filter narrows the sample');
});

forEachEngine(t, 'rule tester: bad input and callers get error envelopes', async (t, api) => {
  const { ann, test } = await setup(api);
  let res = await test({ rules: { list: 'owner = ' } });
  t.equal(res.status, 400);
  t.equal(codeOf(res), 'invalid_rule');
  t.match(res.body.error.details.fields['notes.rules.list'], { code: 'invalid_rule', position: 8, column: 9 }, 'the position, as a save would report it');
  res = await test({ rules: { view: 'nope = 1' } });
  t.equal(codeOf(res), 'invalid_rule', 'an unknown field');
  res = await test({ user: 'nobody' });
  t.equal(res.status, 404);
  t.equal(codeOf(res), 'user_not_found');
  for (const body of [{ limit: 0 }, { limit: 101 }, { who: 'x' }, { rules: { read: '' } }]) {
    res = await test(body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(codeOf(res), 'validation_failed');
  }
  res = await api.request('POST', api.p('/collections/missing/rules/test'), { token: api.secret, body: {} });
  t.equal(codeOf(res), 'collection_not_found');
  res = await api.request('POST', api.p('/collections/notes/rules/test'), { body: {} });
  t.equal(res.status, 401, 'a guest may not ask');
  const session = await logIn(api, ann.email);
  res = await test({ user: ann.id }, session.session.accessToken);
  t.equal(res.status, 403, 'nor may a user, even about themselves');
  t.equal((await test({}, api.secret)).status, 200, 'the service role may');
});

forEachEngine(t, 'rule tester: a proposed body against the create rule answers what POST /records does, and stores nothing', async (t, api) => {
  const { ann, bob, test } = await setup(api);
  const annToken = (await logIn(api, 'ann@example.com')).session.accessToken;
  const cases: Array<[string, string | null, Record<string, unknown>, Record<string, unknown> | undefined]> = [
    ['her own note', ann.id, { text: 'mine', owner: ann.id }, undefined],
    ["a note in Bob's name", ann.id, { text: 'forged', owner: bob.id }, undefined],
    ['a guest', null, { text: 'anon', owner: ann.id }, undefined],
    ['a draft rule on request.data', ann.id, { text: 'hello' }, { create: "request.data.text = 'hello'" }],
    ['a draft rule on request.data, refused', ann.id, { text: 'bye' }, { create: "request.data.text = 'hello'" }],
    ['a locked draft', ann.id, { text: 'mine', owner: ann.id }, { create: null }],
  ];
  const expected = [true, false, false, true, false, false];
  const before = (await api.request('GET', api.p('/collections/notes/records'), { token: api.secret })).body.items.length;
  for (const [i, [name, user, body, rules]] of cases.entries()) {
    const res = await test({ user, create: body, ...(rules ? { rules } : {}) });
    t.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
    // What the API does for the same caller with the same body, under the same rules.
    if (rules) await api.request('PATCH', api.p('/collections/notes'), { token: api.secret, body: { rules } });
    const real = await api.request('POST', api.p('/collections/notes/records'), { token: user ? annToken : undefined, body });
    if (rules) await api.request('PATCH', api.p('/collections/notes'), { token: api.secret, body: { rules: { create: mine } } });
    t.same(res.body.rules.create, { rule: rules ? rules.create : mine, allowed: real.status === 201 }, `${name}: the tester says what the API did (${real.status})`);
    t.equal(res.body.rules.create.allowed, expected[i], name);
    if (real.status === 201) await api.request('DELETE', api.p(`/collections/notes/records/${real.body.id}`), { token: api.secret });
  }
  t.equal((await api.request('GET', api.p('/collections/notes/records'), { token: api.secret })).body.items.length, before, 'the tester stored nothing');
  t.equal((await test({ user: ann.id })).body.rules.create, undefined, 'no body, no create verdict');
  const invalid = await test({ user: ann.id, create: { text: 5 } });
  t.equal(invalid.status, 400, 'an invalid body is the 400 a create would answer');
  t.equal(codeOf(invalid), 'validation_failed');
});
