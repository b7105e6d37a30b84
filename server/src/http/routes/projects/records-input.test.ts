/** Covers services/records/write.ts, codec.ts and @baas/schema values (what a write accepts). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine } from '../../../../test/harness.ts';

const posts = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text', required: true, max: 100 },
    { name: 'status', type: 'select', values: ['draft', 'open'], default: 'draft' },
    { name: 'votes', type: 'integer', min: 0 },
    { name: 'email', type: 'email' },
    { name: 'published', type: 'date' },
    { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
  ],
  rules: { list: "status = 'open'", view: "status = 'open'", create: '', update: '', delete: null },
};

forEachEngine(t, 'records: bad input is refused with the envelope', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), { token: sk, body: posts });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const records = api.p('/collections/posts/records');
  for (const [title, status] of [['open one', 'open'], ['open two', 'open'], ['secret draft', 'draft']]) {
    res = await api.request('POST', records, { token: sk, body: { title, status, votes: 1 } });
    t.equal(res.status, 201);
  }
  const draft = res.body;
  const list = (query: string, token?: string) => api.request('GET', `${records}?${query}`, { token });

  // invalid filters: 400 with the position (0-based) and column (1-based)
  const badFilters: Array<[string, string, number]> = [
    ['dangling operator', "title = 'x' &&", 14],
    ['unknown field', "nope = 'x'", 0],
    ['wrong literal type', "votes = 'many'", 8],
    ['unterminated string', "title = 'x", 8],
    ['sql in a field name', "title; DROP TABLE posts = 'x'", 5],
    ['sql comment', "title = 'x' -- comment", 12],
    ['path through a non-relation', "title.name = 'x'", 6],
  ];
  for (const [label, filter, position] of badFilters) {
    res = await list(`filter=${encodeURIComponent(filter)}`, sk);
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'invalid_filter', `${label}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.details?.position, position, `${label}: position`);
    t.equal(res.body.error?.details?.column, position + 1, `${label}: column`);
  }

  // invalid sorts
  const badSorts: Array<[string, string, number]> = [
    ['unknown field', '-nope', 1],
    ['empty item', 'title,,votes', 6],
    ['sql', 'title;drop table posts', 0],
    ['twice', 'title,-title', 7],
    ['not sortable (multiple)', 'tags', 0],
  ];
  for (const [label, sort, position] of badSorts) {
    res = await list(`sort=${encodeURIComponent(sort)}`, sk);
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'invalid_sort', `${label}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.details?.position, position, `${label}: position`);
    t.equal(res.body.error?.details?.column, position + 1, `${label}: column`);
  }

  // other list parameters
  const badQueries: Array<[string, string, string]> = [
    ['unknown parameter', 'colour=red', 'validation_failed'],
    ['limit not a number', 'limit=abc', 'validation_failed'],
    ['limit too large', 'limit=100000', 'validation_failed'],
    ['limit zero', 'limit=0', 'validation_failed'],
    ['page zero', 'page=0', 'validation_failed'],
    ['cursor and page', 'cursor=abc&page=2', 'validation_failed'],
    ['tampered cursor', 'cursor=bm90LWpzb24', 'invalid_cursor'],
    ['expand a non-relation', 'expand=title', 'validation_failed'],
    ['expand sql', 'expand=' + encodeURIComponent('title;drop table posts'), 'validation_failed'],
  ];
  for (const [label, query, code] of badQueries) {
    res = await list(query, sk);
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, code, `${label}: ${JSON.stringify(res.body)}`);
  }
  res = await list('limit=1&sort=title', sk);
  res = await list(`limit=1&sort=-title&cursor=${res.body.nextCursor}`, sk);
  t.equal(res.status, 400, 'a cursor of another sort');
  t.equal(res.body.error.code, 'invalid_cursor');

  // record bodies: every bad field listed at once
  const badBodies: Array<[string, 'POST' | 'PATCH', Record<string, unknown>, Record<string, string>]> = [
    ['missing required', 'POST', { votes: 1 }, { title: 'required' }],
    ['unknown field', 'POST', { title: 'x', colour: 'red' }, { colour: 'unknown_field' }],
    [
      'wrong types',
      'POST',
      { title: 5, votes: 'many', email: 'nope', published: 'yesterday', status: 'closed', tags: ['c'] },
      { title: 'invalid_type', votes: 'invalid_type', email: 'invalid_email', published: 'invalid_date', status: 'invalid_value' },
    ],
    ['integer bound', 'POST', { title: 'x', votes: -1 }, { votes: 'too_small' }],
    ['float in integer', 'POST', { title: 'x', votes: 1.5 }, { votes: 'invalid_type' }],
    ['too long', 'POST', { title: 'x'.repeat(101) }, { title: 'too_long' }],
    ['created_at is read-only', 'POST', { title: 'x', created_at: '2020-01-01T00:00:00.000Z' }, { created_at: 'read_only' }],
    ['updated_at is read-only', 'PATCH', { updated_at: '2020-01-01T00:00:00.000Z' }, { updated_at: 'read_only' }],
    ['id is read-only on update', 'PATCH', { id: 'other' }, { id: 'read_only' }],
    ['bad client id', 'POST', { title: 'x', id: 'a b' }, { id: 'invalid_id' }],
    ['required set to null', 'PATCH', { title: null }, { title: 'required' }],
    ['several', 'POST', { nope: 1, votes: 'x' }, { nope: 'unknown_field', votes: 'invalid_type', title: 'required' }],
  ];
  for (const [label, method, body, expected] of badBodies) {
    res = await api.request(method, method === 'POST' ? records : `${records}/${draft.id}`, { token: sk, body });
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'validation_failed', `${label}: ${JSON.stringify(res.body)}`);
    for (const [field, code] of Object.entries(expected)) {
      t.equal(res.body.error?.details?.fields?.[field]?.code, code, `${label}: ${field} ${JSON.stringify(res.body.error?.details)}`);
    }
  }
  res = await api.request('POST', records, { token: sk, body: [{ title: 'x' }] });
  t.equal(res.status, 400, 'an array body');
  t.equal(res.body.error.code, 'validation_failed');

  // not JSON
  res = await api.request('POST', records, { token: sk, body: '<title>x</title>', headers: { 'content-type': 'application/xml' } });
  t.equal(res.status, 415);
  t.equal(res.body.error.code, 'unsupported_media_type');
  res = await api.request('POST', records, { token: sk, body: 'title=x', headers: { 'content-type': 'text/plain' } });
  t.ok(res.status === 400 || res.status === 415, `text/plain: ${res.status}`);
  t.type(res.body.error?.code, 'string', 'text/plain: the envelope');
  res = await api.request('POST', records, { token: sk, body: '{"title": ', headers: { 'content-type': 'application/json' } });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'validation_failed');
  for (const raw of ['{"__proto__": {"admin": true}, "title": "x"}', '{"constructor": {"prototype": {"admin": true}}, "title": "x"}']) {
    res = await api.request('POST', records, { token: sk, body: raw, headers: { 'content-type': 'application/json' } });
    t.equal(res.status, 400, `prototype pollution attempt: ${raw}`);
    t.equal(res.body.error.code, 'validation_failed');
  }
  res = await api.request('POST', records, { token: sk, headers: { 'content-type': 'application/json' } });
  t.equal(res.status, 400, 'an empty JSON body');
  t.equal(res.body.error.code, 'validation_failed');

  // over the body limit (1 MiB by default)
  res = await api.request('POST', records, { token: sk, body: { title: 'x', pad: 'x'.repeat(1.2 * 1024 * 1024) } });
  t.equal(res.status, 413);
  t.equal(res.body.error.code, 'payload_too_large');

  // unknown project / collection / route
  const notFound: Array<[string, string, string, string]> = [
    ['GET', '/v1/projects/nope/collections/posts/records', 'project_not_found', sk],
    ['POST', '/v1/projects/nope/collections/posts/records', 'project_not_found', sk],
    ['GET', '/v1/projects/nope/collections', 'project_not_found', sk],
    ['GET', '/v1/projects/NOPE%3Bdrop/collections/posts/records', 'project_not_found', sk],
    ['GET', api.p('/collections/nope/records'), 'collection_not_found', sk],
    ['POST', api.p('/collections/nope/records'), 'collection_not_found', sk],
    ['GET', api.p('/collections/nope/records/abc'), 'collection_not_found', sk],
    ['DELETE', api.p('/collections/nope/records/abc'), 'collection_not_found', sk],
    ['GET', api.p('/collections/nope/records'), 'collection_not_found', ''],
    ['GET', api.p('/collections/posts/records/nope'), 'record_not_found', sk],
    ['GET', '/v1/nothing-here', 'route_not_found', ''],
  ];
  for (const [method, path, code, token] of notFound) {
    res = await api.request(method, path, { token: token || undefined, body: method === 'POST' ? { title: 'x' } : undefined });
    t.equal(res.status, 404, `${method} ${path}: status`);
    t.equal(res.body.error?.code, code, `${method} ${path}: ${JSON.stringify(res.body)}`);
  }

  // a client-supplied id works; a duplicate id is 409
  res = await api.request('POST', records, { token: sk, body: { id: 'my-offline-id_1', title: 'offline', status: 'open' } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.equal(res.body.id, 'my-offline-id_1');
  res = await api.request('GET', `${records}/my-offline-id_1`);
  t.equal(res.body.title, 'offline');
  res = await api.request('POST', records, { token: sk, body: { id: 'my-offline-id_1', title: 'again' } });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'unique_violation');
  t.ok(res.body.error.details.fields.id);
});

forEachEngine(t, 'records: injection through every input reaches no SQL and leaks no rows', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), { token: sk, body: posts });
  t.equal(res.status, 201);
  const records = api.p('/collections/posts/records');
  for (const [title, status] of [['open one', 'open'], ['secret draft', 'draft']]) {
    res = await api.request('POST', records, { token: sk, body: { title, status } });
  }
  const guestList = (query: string) => api.request('GET', `${records}?${query}`);

  // values: parameters, never SQL
  const valueAttacks = [
    "title = \"x' OR '1'='1\"",
    "title = 'x\\' OR 1=1 --'",
    "title ~ \"%' OR status = 'draft\"",
    "title = 'a'; DELETE FROM posts; --'",
    "title in ['x', \"') OR ('1'='1\"]",
  ];
  for (const filter of valueAttacks) {
    res = await guestList(`filter=${encodeURIComponent(filter)}`);
    t.ok(res.status === 200 || res.status === 400, `${filter}: ${res.status}`);
    if (res.status === 200) t.same(res.body.items, [], `${filter}: nothing matches`);
    else t.equal(res.body.error.code, 'invalid_filter');
  }

  // logic cannot widen the list rule: it is ANDed around the filter
  const widening = ["status = 'draft' || true = true", "status = 'draft'", '!(status = null) || 1 = 1', "title ~ 'secret'"];
  for (const filter of widening) {
    res = await guestList(`filter=${encodeURIComponent(filter)}&count=true`);
    t.equal(res.status, 200, `${filter}: ${JSON.stringify(res.body)}`);
    t.notOk(res.body.items.some((r: any) => r.status === 'draft'), `${filter}: no draft leaks`);
    t.ok(res.body.total <= 1, `${filter}: count respects the rule`);
  }

  // names: refused before any SQL
  const nameAttacks: Array<[string, string]> = [
    ['sort', `sort=${encodeURIComponent('title; DROP TABLE posts')}`],
    ['sort', `sort=${encodeURIComponent('(SELECT 1)')}`],
    ['expand', `expand=${encodeURIComponent('x) UNION SELECT * FROM _keys --')}`],
    ['filter path', `filter=${encodeURIComponent('_keys.hash = 1')}`],
    ['filter path', `filter=${encodeURIComponent("\"title\" = 'x'")}`],
  ];
  for (const [what, query] of nameAttacks) {
    res = await api.request('GET', `${records}?${query}`, { token: sk });
    t.ok(res.status === 400 || (res.status === 200 && res.body.items.length === 0), `${what} ${query}: ${res.status}`);
  }
  // fields only filter the reply in memory: unknown names select nothing extra
  res = await api.request('GET', `${records}?fields=${encodeURIComponent('id,title FROM _keys --,password_hash')}`, { token: sk });
  t.equal(res.status, 200);
  t.ok(res.body.items.every((r: any) => Object.keys(r).every((k) => k === 'id')), 'only id survives');

  // ids and collection names in the path
  const pathAttacks = [
    `${records}/${encodeURIComponent("x' OR '1'='1")}`,
    `${records}/${encodeURIComponent('x; DROP TABLE posts')}`,
    api.p(`/collections/${encodeURIComponent('posts; DROP TABLE posts')}/records`),
    api.p(`/collections/${encodeURIComponent('_keys')}/records`),
    api.p(`/collections/${encodeURIComponent('_users')}/records`),
    api.p(`/collections/${encodeURIComponent('_changes')}/records`),
  ];
  for (const path of pathAttacks) {
    for (const method of ['GET', 'DELETE']) {
      res = await api.request(method, path, { token: sk });
      t.ok(res.status === 400 || res.status === 404, `${method} ${path}: ${res.status}`);
      t.type(res.body.error?.code, 'string');
    }
  }
  // a value that looks like SQL is stored verbatim
  const evil = "Robert'); DROP TABLE posts;--";
  res = await api.request('POST', records, { token: sk, body: { title: evil, status: 'open' } });
  t.equal(res.status, 201);
  res = await guestList(`filter=${encodeURIComponent(`title = "${evil}"`)}`);
  t.equal(res.body.items.length, 1);
  t.equal(res.body.items[0].title, evil);

  // everything is still there
  res = await api.request('GET', `${records}?count=true`, { token: sk });
  t.equal(res.body.total, 3, 'the table is intact');
  const { db } = (await api.app.baas.registry.get('app'))!;
  const keys = await db.all(sql`SELECT id FROM ${db.table('_keys')}`);
  t.equal(keys.length, 1, 'the keys table is intact');
});
