/** Covers services/records/write.ts relation checks, expand.ts, and relation paths in @baas/query rules. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';

const collections = [
  {
    name: 'authors',
    fields: [
      { name: 'name', type: 'text', required: true },
      { name: 'hidden', type: 'boolean', default: false },
    ],
    rules: { list: 'hidden = false', view: 'hidden = false', create: null, update: null, delete: null },
  },
  {
    name: 'comments',
    fields: [
      { name: 'body', type: 'text' },
      { name: 'author', type: 'relation', collection: 'authors' },
    ],
    rules: { list: '', view: '', create: null, update: null, delete: null },
  },
  {
    name: 'posts',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'author', type: 'relation', collection: 'authors' },
      { name: 'comments', type: 'relation', collection: 'comments', multiple: true },
      { name: 'owner', type: 'relation', collection: 'users' },
    ],
    rules: { list: '', view: '', create: '', update: null, delete: null },
  },
];

async function add(api: TestInstance, collection: string, body: object) {
  const res = await api.request('POST', api.p(`/collections/${collection}/records`), { token: api.secret, body });
  if (res.status !== 201) throw new Error(`create ${collection}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

forEachEngine(t, 'relations: ids checked, expand two levels under view rules, relation paths in filters', async (t, api) => {
  const sk = api.secret;
  for (const def of collections) {
    const res = await api.request('POST', api.p('/collections'), { token: sk, body: def });
    t.equal(res.status, 201, JSON.stringify(res.body));
  }
  const ann = await add(api, 'authors', { name: 'Ann' });
  const bob = await add(api, 'authors', { name: 'Bob' });
  const ghost = await add(api, 'authors', { name: 'Ghost', hidden: true });
  const c1 = await add(api, 'comments', { body: 'first', author: bob.id });
  const c2 = await add(api, 'comments', { body: 'second', author: ghost.id });
  const p1 = await add(api, 'posts', { title: 'by ann', author: ann.id, comments: [c1.id, c2.id] });
  const p2 = await add(api, 'posts', { title: 'by ghost', author: ghost.id, comments: [] });
  t.same(p1.comments, [c1.id, c2.id], 'a multiple relation keeps its order');
  t.same(p2.comments, []);

  // invalid relation ids: 400 naming the field
  const badRelations: Array<[string, Record<string, unknown>, string, string]> = [
    ['missing single', { title: 'x', author: 'nope' }, 'author', 'invalid_relation'],
    ['missing one of many', { title: 'x', comments: [c1.id, 'nope'] }, 'comments', 'invalid_relation'],
    ['single given a list', { title: 'x', author: [ann.id] }, 'author', 'invalid_id'],
    ['many given a string', { title: 'x', comments: c1.id }, 'comments', 'invalid_type'],
    ['id of another collection', { title: 'x', author: c1.id }, 'author', 'invalid_relation'],
    ['missing user', { title: 'x', owner: 'nobody' }, 'owner', 'invalid_relation'],
  ];
  for (const [label, body, field, code] of badRelations) {
    const res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body });
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'validation_failed', `${label}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.details?.fields?.[field]?.code, code, `${label}: ${JSON.stringify(res.body.error?.details)}`);
  }
  // The check is folded into the insert (write.ts); when it refuses, every field with a missing id is named.
  let res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'x', author: 'nope', comments: [c1.id, c1.id, 'gone'] } });
  t.equal(res.status, 400, 'two bad relations: status');
  t.same(Object.keys(res.body.error?.details?.fields ?? {}).sort(), ['author', 'comments'], 'both fields named');
  t.match(res.body.error.details.fields.comments.message, /'gone'/);
  t.notMatch(res.body.error.details.fields.comments.message, new RegExp(c1.id), 'only the missing id is named');
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'repeats', author: bob.id, comments: [c2.id, c1.id, c2.id] } });
  t.equal(res.status, 201, `repeated ids of existing records pass: ${JSON.stringify(res.body)}`);
  t.same(res.body.comments, [c2.id, c1.id], 'stored once each');
  res = await api.request('DELETE', api.p(`/collections/posts/records/${res.body.id}`), { token: sk });
  t.equal(res.status, 204);
  res = await api.request('PATCH', api.p(`/collections/posts/records/${p1.id}`), { token: sk, body: { author: 'nope' } });
  t.equal(res.status, 400, 'an update is checked too');
  t.equal(res.body.error.details.fields.author.code, 'invalid_relation');
  res = await api.request('GET', api.p('/collections/posts/records?count=true'), { token: sk });
  t.equal(res.body.total, 2, 'no refused write stored anything');

  // expand two levels, as the service role: everything
  res = await api.request('GET', api.p(`/collections/posts/records/${p1.id}?expand=author,comments.author`), { token: sk });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.expand.author.name, 'Ann');
  t.same(res.body.expand.comments.map((c: any) => c.body), ['first', 'second']);
  t.same(res.body.expand.comments.map((c: any) => c.expand?.author?.name), ['Bob', 'Ghost']);
  t.equal(res.body.author, ann.id, 'the id stays in the field');

  // as a guest: the hidden author is left out at every level
  res = await api.request('GET', api.p(`/collections/posts/records?expand=author,comments.author&sort=title`));
  t.equal(res.status, 200, JSON.stringify(res.body));
  const [byAnn, byGhost] = res.body.items;
  t.equal(byAnn.expand.author.name, 'Ann');
  t.equal(byAnn.expand.comments[0].expand.author.name, 'Bob');
  t.notOk(byAnn.expand.comments[1].expand?.author, 'a hidden author is omitted at level two');
  t.equal(byAnn.expand.comments[1].author, ghost.id, 'the raw id is still the field value');
  t.notOk(byGhost.expand?.author, 'a hidden author is omitted at level one');
  t.notOk(JSON.stringify(res.body).includes('Ghost'), 'the hidden name appears nowhere');

  // expand on a create reply, and through fields=
  res = await api.request('POST', api.p('/collections/posts/records?expand=author'), { token: sk, body: { title: 'new', author: bob.id } });
  t.equal(res.status, 201);
  t.equal(res.body.expand.author.name, 'Bob');
  res = await api.request('GET', api.p(`/collections/posts/records/${p1.id}?expand=author&fields=id,title`), { token: sk });
  t.same(Object.keys(res.body).sort(), ['expand', 'id', 'title']);

  // expand paths that are not allowed
  for (const expand of ['title', 'author.name', 'comments.author.name', 'nope', 'author,author.nope']) {
    res = await api.request('GET', api.p(`/collections/posts/records?expand=${expand}`), { token: sk });
    t.equal(res.status, 400, `expand=${expand}`);
  }

  // filters through relation paths, on both engines. A path reads the target row whatever the
  // target's view rule says (only the list rule of posts applies), so guests and the service role agree.
  const filters: Array<[string, string, string[], string[]]> = [
    ['single relation', "author.name = 'Ann'", ['by ann'], ['by ann']],
    ['negated', "author.name != 'Ann'", ['by ghost', 'new'], ['by ghost', 'new']],
    ['contains', "author.name ~ 'b'", ['new'], ['new']],
    ['null relation', 'author = null', [], []],
    ['by id', `author = '${bob.id}'`, ['new'], ['new']],
  ];
  for (const [label, filter, asService, asGuest] of filters) {
    res = await api.request('GET', api.p(`/collections/posts/records?sort=title&filter=${encodeURIComponent(filter)}`), { token: sk });
    t.equal(res.status, 200, `${label}: ${JSON.stringify(res.body)}`);
    t.same(res.body.items.map((r: any) => r.title), asService, `${label} (service)`);
    res = await api.request('GET', api.p(`/collections/posts/records?sort=title&filter=${encodeURIComponent(filter)}`));
    t.same(res.body.items.map((r: any) => r.title), asGuest, `${label} (guest)`);
  }

  // a deleted target disappears from expansions instead of breaking them
  res = await api.request('DELETE', api.p(`/collections/comments/records/${c2.id}`), { token: sk });
  t.equal(res.status, 204);
  res = await api.request('GET', api.p(`/collections/posts/records/${p1.id}?expand=comments`), { token: sk });
  t.equal(res.status, 200);
  t.same(res.body.expand.comments.map((c: any) => c.id), [c1.id]);
});
