/** Covers services/records/list.ts search, db/search-index.ts and @baas/query search. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';

const posts = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text' },
    { name: 'body', type: 'text' },
    { name: 'owner', type: 'text' },
    { name: 'votes', type: 'integer' },
  ],
  search: ['title', 'body'],
  rules: { list: 'owner = auth.id || owner = "public"', view: '', create: '', update: '', delete: '' },
};

async function setUp(api: TestInstance): Promise<void> {
  const res = await api.request('POST', api.p('/collections'), { token: api.secret, body: posts });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
}

async function create(api: TestInstance, body: Record<string, unknown>, token = api.secret): Promise<string> {
  const res = await api.request('POST', api.p('/collections/posts/records'), { token, body });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.id;
}

/** Lists with a query string; `token` null = a guest. */
async function search(api: TestInstance, query: string, token: string | null = api.secret): Promise<any> {
  const res = await api.request('GET', api.p(`/collections/posts/records?${query}`), { token: token ?? undefined });
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const titles = (body: any) => body.items.map((r: any) => r.title);

forEachEngine(t, 'search: words match as prefixes, all required, ANDed with the filter; sort replaces ranking', async (t, api) => {
  await setUp(api);
  await create(api, { title: 'Hello world', body: 'greetings', owner: 'public', votes: 1 });
  await create(api, { title: 'Help wanted', body: 'the world needs you', owner: 'public', votes: 5 });
  await create(api, { title: 'Goodbye', body: 'nothing to see', owner: 'public', votes: 3 });
  await create(api, { title: 'Théâtre', body: 'ÉCOLE de Paris', owner: 'public', votes: 2 });

  t.same(titles(await search(api, 'search=hel+wor&sort=title')), ['Hello world', 'Help wanted'], 'prefixes, across fields');
  t.same(titles(await search(api, 'search=HELLO')), ['Hello world'], 'case folded');
  t.same(titles(await search(api, 'search=école')), ['Théâtre'], 'Unicode case folding');
  t.same(titles(await search(api, 'search=hel&filter=votes>2')), ['Help wanted'], 'ANDed with the filter');
  t.same(titles(await search(api, 'search=hel&sort=-votes')), ['Help wanted', 'Hello world'], 'sort orders the matches');
  t.same(titles(await search(api, 'search=world+nothing')), [], 'every word is required');
  t.same(titles(await search(api, `search=${encodeURIComponent('"world needs"')}`)), ['Help wanted'], 'a quoted phrase');
  t.same(titles(await search(api, `search=${encodeURIComponent('"needs world"')}`)), [], 'a quoted phrase keeps its order');
  t.same(titles(await search(api, `search=${encodeURIComponent('hel* OR title:good NEAR(')}`)), [], "the engines' syntax is plain text");
  t.equal((await search(api, 'search=hel&count=true')).total, 2, 'count=true counts the matches');
  t.equal((await search(api, `search=${encodeURIComponent(' - ')}&count=true`)).total, 4, 'a search without words searches nothing');
});

forEachEngine(t, 'search: never returns a record the list rule hides', async (t, api) => {
  await setUp(api);
  const alice = (await signUp(api, 'alice@example.com')).session.accessToken;
  const bob = (await signUp(api, 'bob@example.com')).session.accessToken;
  const aliceId = (await api.request('GET', api.p('/auth/user'), { token: alice })).body.id;
  const bobId = (await api.request('GET', api.p('/auth/user'), { token: bob })).body.id;
  await create(api, { title: 'secret plan', owner: aliceId });
  await create(api, { title: 'secret recipe', owner: bobId });
  await create(api, { title: 'public secret', owner: 'public' });

  t.same(titles(await search(api, 'search=secret&sort=title', alice)).sort(), ['public secret', 'secret plan']);
  t.same(titles(await search(api, 'search=secret&sort=title', bob)).sort(), ['public secret', 'secret recipe']);
  t.same(titles(await search(api, 'search=secret', null)), ['public secret'], 'a guest, ranked');
  t.equal((await search(api, 'search=secret&count=true', bob)).total, 2, 'and the count too');
  const highlighted = await search(api, 'search=secr&highlight=true', bob);
  t.same(highlighted.items.map((r: any) => r.owner).sort(), ['public', bobId].sort(), 'and with snippets');
});

forEachEngine(t, 'search: an exact phrase match ranks first; ranked keyset pages are complete and disjoint', async (t, api) => {
  await setUp(api);
  // Shorter documents with both words apart would win on term statistics alone.
  await create(api, { title: 'fox quick', owner: 'public' });
  await create(api, { title: 'quick and fox', owner: 'public' });
  await create(api, { title: 'a long title that mentions the quick fox somewhere in its middle', body: 'filler words here', owner: 'public' });
  await create(api, { title: 'fox', body: 'quick', owner: 'public' });
  const ranked = await search(api, 'search=quick+fox');
  t.equal(ranked.items[0].title, 'a long title that mentions the quick fox somewhere in its middle');
  t.equal(ranked.items.length, 4);

  // Many matches with different ranks, paged four at a time.
  for (let i = 0; i < 21; i++) await create(api, { title: `fox ${'word '.repeat(i % 7)}quick`, body: i % 3 ? 'fox fox' : null, owner: 'public' });
  const all = (await search(api, 'search=fox+quick&limit=100')).items.map((r: any) => r.id);
  t.equal(all.length, 25);
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await search(api, `search=fox+quick&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
    paged.push(...page.items.map((r: any) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  t.same(paged, all, 'pages follow the ranked order exactly');
  const other = await api.request('GET', api.p(`/collections/posts/records?search=fox&cursor=${(await search(api, 'search=fox+quick&limit=4')).nextCursor}`), { token: api.secret });
  t.equal(codeOf(other), 'invalid_cursor', "a cursor belongs to its search");
});

forEachEngine(t, 'search: creates, updates, deletes and batches are searchable (or gone) as soon as they are acknowledged', async (t, api) => {
  await setUp(api);
  const id = await create(api, { title: 'zebra crossing', owner: 'public' });
  t.same(titles(await search(api, 'search=zebra')), ['zebra crossing']);
  let res = await api.request('PATCH', api.p(`/collections/posts/records/${id}`), { token: api.secret, body: { title: 'giraffe crossing' } });
  t.equal(res.status, 200);
  t.same(titles(await search(api, 'search=zebra')), [], 'the old text is gone');
  t.same(titles(await search(api, 'search=giraffe')), ['giraffe crossing'], 'the new text is found');
  res = await api.request('PATCH', api.p(`/collections/posts/records/${id}`), { token: api.secret, body: { votes: 3 } });
  t.same(titles(await search(api, 'search=giraffe')), ['giraffe crossing'], 'an update of other fields keeps it');
  res = await api.request('DELETE', api.p(`/collections/posts/records/${id}`), { token: api.secret });
  t.equal(res.status, 204);
  t.same(titles(await search(api, 'search=giraffe')), [], 'a deleted record is gone');
  res = await api.request('POST', api.p('/batch'), {
    token: api.secret,
    body: { operations: [{ action: 'create', collection: 'posts', data: { title: 'okapi', owner: 'public' } }] },
  });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(titles(await search(api, 'search=okapi')), ['okapi'], 'a batch write too');
});

forEachEngine(t, 'search: highlight gives HTML-escaped snippets of the matching fields', async (t, api) => {
  await setUp(api);
  // (PostgreSQL's parser skips what looks like an HTML tag, `<b>`, so these brackets stand apart.)
  await create(api, { title: 'if a < b & "Jerry" > c', body: 'unrelated', owner: 'public' });
  const [item] = (await search(api, 'search=jer&highlight=true')).items;
  t.match(item._highlight.title, /a &lt; b &amp; &quot;<mark>Jerry<\/mark>&quot; &gt; c/);
  t.notOk('body' in item._highlight, 'only fields that matched');
  const plain = (await search(api, 'search=jer')).items[0];
  t.notOk('_highlight' in plain, 'only when asked for');
  const projected = (await search(api, 'search=jer&highlight=true&fields=id')).items[0];
  t.same(Object.keys(projected).sort(), ['_highlight', 'id']);
});

forEachEngine(t, 'search: changing the option rebuilds the index; renames follow; bad searches are refused', async (t, api) => {
  await setUp(api);
  await create(api, { title: 'alpha', body: 'bravo', owner: 'public' });
  let res = await api.request('PATCH', api.p('/collections/posts'), { token: api.secret, body: { search: ['title'] } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(titles(await search(api, 'search=bravo')), [], 'body is no longer searched');
  t.same(titles(await search(api, 'search=alpha')), ['alpha']);
  res = await api.request('PATCH', api.p('/collections/posts'), { token: api.secret, body: { search: ['body', 'title'] } });
  t.same(titles(await search(api, 'search=bravo')), ['alpha'], 'existing records are indexed again');

  const def = (await api.request('GET', api.p('/collections/posts'), { token: api.secret })).body;
  const fields = def.fields.map((f: any) => (f.name === 'title' ? { ...f, name: 'heading' } : f));
  res = await api.request('PATCH', api.p('/collections/posts'), { token: api.secret, body: { name: 'articles', fields } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body.search, ['body', 'heading']);
  const moved = await api.request('GET', api.p('/collections/articles/records?search=alp'), { token: api.secret });
  t.same(moved.body.items.map((r: any) => r.heading), ['alpha'], 'a renamed collection and field stay searchable');
  await api.request('POST', api.p('/collections/articles/records'), { token: api.secret, body: { heading: 'charlie', owner: 'public' } });
  const after = await api.request('GET', api.p('/collections/articles/records?search=charl'), { token: api.secret });
  t.same(after.body.items.map((r: any) => r.heading), ['charlie'], 'and writes after the rename are indexed');

  res = await api.request('PATCH', api.p('/collections/articles'), { token: api.secret, body: { search: null } });
  t.equal(res.body.search, undefined);
  res = await api.request('GET', api.p('/collections/articles/records?search=alpha'), { token: api.secret });
  t.equal(res.status, 400);
  t.equal(codeOf(res), 'invalid_search');
  res = await api.request('GET', api.p(`/collections/articles/records?search=${'a'.repeat(501)}`), { token: api.secret });
  t.equal(res.status, 400);
  res = await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'n', fields: [{ name: 'x', type: 'integer' }], search: ['x'] } });
  t.equal(res.status, 400);
  t.equal(res.body.error.details.fields.search.code, 'not_searchable');
  res = await api.request('DELETE', api.p('/collections/articles'), { token: api.secret });
  t.equal(res.status, 204);
  res = await api.request('POST', api.p('/collections'), { token: api.secret, body: { ...posts, name: 'articles' } });
  t.equal(res.status, 201, 'a deleted collection leaves no index behind');
});
