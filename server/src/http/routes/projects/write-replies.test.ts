/** Covers services/records/write.ts (a write answers what a read would) through records and batch. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';

// Covers services/records/write.ts and access.ts: what a write answers to a
// caller whose rules allow the write but not the read, and in which order a
// create is judged.

async function collection(api: TestInstance, body: unknown): Promise<void> {
  const res = await api.request('POST', api.p('/collections'), { token: api.secret, body });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
}

async function seed(api: TestInstance, name: string, data: unknown): Promise<any> {
  const res = await api.request('POST', api.p(`/collections/${name}/records`), { token: api.secret, body: data });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body;
}

forEachEngine(t, 'a write reply shows only what the view rule lets the caller read', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const mine = 'auth.id != null && owner = auth.id';
  // Anyone signed in may write any note (a blind drop box), but only its owner reads it.
  await collection(api, {
    name: 'notes',
    fields: [{ name: 'text', type: 'text' }, { name: 'secret', type: 'text' }, { name: 'owner', type: 'relation', collection: 'users' }],
    rules: { list: mine, view: mine, create: 'auth.id != null', update: 'auth.id != null', delete: null },
  });
  const note = await seed(api, 'notes', { text: 'hello', secret: 'ann-only', owner: ann.user.id });
  const patch = (token: string, body: unknown) => api.request('PATCH', api.p(`/collections/notes/records/${note.id}`), { token, body });

  for (const body of [{}, { text: 'edited by bob' }]) {
    const res = await patch(bob.session.accessToken, body);
    t.equal(res.status, 204, `bob's PATCH ${JSON.stringify(body)} is applied but answers no record`);
    t.equal(res.body, '', 'no body at all');
  }
  t.equal((await api.request('GET', api.p(`/collections/notes/records/${note.id}`), { token: api.secret })).body.text, 'edited by bob', 'the update happened');

  const batch = await api.request('POST', api.p('/batch'), {
    token: bob.session.accessToken,
    body: { operations: [{ action: 'update', collection: 'notes', id: note.id, data: {} }, { action: 'create', collection: 'notes', data: { text: 'mine', owner: bob.user.id } }] },
  });
  t.equal(batch.status, 200, JSON.stringify(batch.body));
  t.same(batch.body.results[0], { status: 204, body: null }, 'a batch update of a hidden record answers no record');
  t.equal(batch.body.results[1].status, 201);
  t.notMatch(JSON.stringify(batch.body), /ann-only/);

  // The owner reads her own record back; moving it to someone else hides it from her at once.
  let res = await patch(ann.session.accessToken, { text: 'back' });
  t.equal(res.status, 200);
  t.match(res.body, { id: note.id, text: 'back', secret: 'ann-only' });
  res = await patch(ann.session.accessToken, { owner: bob.user.id });
  t.equal(res.status, 204, 'judged on the record as updated');
});

forEachEngine(t, 'a view rule that reads relations is judged on the updated row in SQL', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  await collection(api, { name: 'teams', fields: [{ name: 'members', type: 'relation', collection: 'users', multiple: true }], rules: { view: '' } });
  await collection(api, {
    name: 'docs',
    fields: [{ name: 'body', type: 'text' }, { name: 'team', type: 'relation', collection: 'teams' }],
    rules: { view: 'auth.id in team.members', update: 'auth.id != null' },
  });
  const team = await seed(api, 'teams', { members: [ann.user.id] });
  const doc = await seed(api, 'docs', { body: 'team plans', team: team.id });
  const patch = (token: string) => api.request('PATCH', api.p(`/collections/docs/records/${doc.id}?expand=team`), { token, body: {} });
  const hidden = await patch(bob.session.accessToken);
  t.equal(hidden.status, 204);
  t.equal(hidden.body, '');
  const shown = await patch(ann.session.accessToken);
  t.equal(shown.status, 200);
  t.match(shown.body, { body: 'team plans', expand: { team: { id: team.id } } });
});

forEachEngine(t, 'a refused create is 403 before any unique index or relation check can answer', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  await collection(api, { name: 'teams', fields: [{ name: 'members', type: 'relation', collection: 'users', multiple: true }], rules: { view: '' } });
  // The create rule reads a relation, so it is judged in SQL; the typed fields check the derived row's casts on PostgreSQL.
  await collection(api, {
    name: 'invites',
    fields: [
      { name: 'code', type: 'text', unique: true },
      { name: 'team', type: 'relation', collection: 'teams' },
      { name: 'votes', type: 'integer', default: 0 },
      { name: 'weight', type: 'number', default: 1.5 },
      { name: 'pinned', type: 'boolean', nullable: false, default: false },
      { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
      { name: 'meta', type: 'json' },
      { name: 'due', type: 'date' },
    ],
    rules: {
      create: "auth.id in team.members && votes >= 0 && weight > 1 && !pinned && 'a' in tags && due > '2020-01-01' && code ~ 'C'",
      view: 'auth.id in team.members',
    },
  });
  const team = await seed(api, 'teams', { members: [ann.user.id] });
  await seed(api, 'invites', { code: 'taken-code', team: team.id, tags: ['a'], due: '2030-01-01T00:00:00.000Z' });
  const create = (token: string, data: Record<string, unknown>) =>
    api.request('POST', api.p('/collections/invites/records'), { token, body: { team: team.id, tags: ['a'], due: '2030-01-01T00:00:00.000Z', meta: { n: 1 }, ...data } });

  for (const data of [{ code: 'taken-code' }, { code: 'fresh-code' }, { code: 'x-code', team: 'no-such-team' }, { id: (await api.request('GET', api.p('/collections/invites/records'), { token: api.secret })).body.items[0].id, code: 'c' }]) {
    const res = await create(bob.session.accessToken, data);
    t.equal(res.status, 403, `bob: ${JSON.stringify(data)}`);
    t.equal(codeOf(res), 'forbidden');
  }
  // Ann may create: she gets the ordinary answers (the unique side channel is documented in docs/security.md).
  let res = await create(ann.session.accessToken, { code: 'taken-code' });
  t.equal(res.status, 409);
  t.equal(codeOf(res), 'unique_violation');
  res = await create(ann.session.accessToken, { code: 'new-code' });
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.match(res.body, { code: 'new-code', votes: 0, weight: 1.5, pinned: false, tags: ['a'], meta: { n: 1 } });
  res = await create(ann.session.accessToken, { code: 'pinned-code', pinned: true });
  t.equal(res.status, 403, 'the rule sees the stored values');
  for (const data of [{ code: 'c-tags', tags: ['b'] }, { code: 'c-due', due: '2019-01-01T00:00:00.000Z' }, { code: 'c-votes', votes: -1 }, { code: 'no-letter' }]) {
    res = await create(ann.session.accessToken, data);
    t.equal(res.status, 403, `ann: ${JSON.stringify(data)} breaks the rule`);
  }
  t.equal((await api.request('GET', api.p('/collections/invites/records?count=true'), { token: api.secret })).body.total, 2, 'nothing refused was stored');
});
