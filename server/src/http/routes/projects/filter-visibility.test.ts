/** Covers services/records/list.ts, expand.ts and access.ts (a filter through a relation sees related records only through their view rule). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// A guest may list posts, but may only view published authors. A filter
// through `author` must not reveal anything about unpublished authors.
forEachEngine(t, 'filters see related records only through their view rule', async (t, api) => {
  const sk = { token: api.secret };
  const create = (body: unknown) => api.request('POST', api.p('/collections'), { ...sk, body });
  t.equal((await create({
    name: 'authors',
    fields: [{ name: 'name', type: 'text' }, { name: 'published', type: 'boolean', default: false }],
    rules: { list: 'published', view: 'published', create: null, update: null, delete: null },
  })).status, 201);
  t.equal((await create({
    name: 'posts',
    fields: [{ name: 'title', type: 'text' }, { name: 'author', type: 'relation', collection: 'authors' },
      { name: 'editors', type: 'relation', collection: 'authors', multiple: true }],
    rules: { list: '', view: '', create: null, update: null, delete: null },
  })).status, 201);
  const author = async (name: string, published: boolean) =>
    (await api.request('POST', api.p('/collections/authors/records'), { ...sk, body: { name, published } })).body.id;
  const secret = await author('Secret Sam', false);
  const open = await author('Open Olga', true);
  for (const [title, a] of [['by sam', secret], ['by olga', open]]) {
    await api.request('POST', api.p('/collections/posts/records'), { ...sk, body: { title, author: a, editors: [a] } });
  }

  const titles = async (filter: string, token?: string) => {
    const res = await api.request('GET', api.p(`/collections/posts/records?sort=title&filter=${encodeURIComponent(filter)}`), { token });
    t.equal(res.status, 200, filter);
    return res.body.items.map((r: { title: string }) => r.title);
  };

  // [filter, what a guest sees, what the service role sees]
  const cases: Array<[string, string[], string[]]> = [
    ["author.name ~ 'sam'", [], ['by sam']],
    ["author.name ~ 'olga'", ['by olga'], ['by olga']],
    ['author.published = false', [], ['by sam']],
    ["editors.name = 'Secret Sam'", [], ['by sam']],
    // A hidden author reads as missing, as if the reference dangled.
    ['author.name = null', ['by sam'], []],
  ];
  for (const [filter, guest, service] of cases) {
    t.same(await titles(filter), guest, `guest: ${filter}`);
    t.same(await titles(filter, api.secret), service, `service role: ${filter}`);
  }
});
