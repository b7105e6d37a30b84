/** Covers http/routes/projects/collections.ts, services/collections.ts and db/collection-tables.ts (DDL, renames, drops). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';

const posts = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'slug', type: 'text' },
    { name: 'votes', type: 'integer', default: 0 },
  ],
  rules: { list: '', view: '', create: null, update: null, delete: null },
};

async function create(api: TestInstance, def: unknown) {
  return api.request('POST', api.p('/collections'), { token: api.secret, body: def });
}

async function addRecord(api: TestInstance, collection: string, body: object) {
  const res = await api.request('POST', api.p(`/collections/${collection}/records`), { token: api.secret, body });
  if (res.status !== 201) throw new Error(`create ${collection}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

forEachEngine(t, 'collections: create, get, list, delete, names and fields', async (t, api) => {
  const sk = api.secret;
  let res = await create(api, posts);
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.match(res.body, { name: 'posts', fields: [{ name: 'title', type: 'text', required: true, id: String }], indexes: [], createdAt: String });
  t.same(res.body.rules, posts.rules);

  res = await api.request('GET', api.p('/collections/posts'), { token: sk });
  t.equal(res.status, 200);
  t.equal(res.body.name, 'posts');
  res = await api.request('GET', api.p('/collections/posts'), { token: api.adminToken });
  t.equal(res.status, 200, 'an admin token works on project routes');
  res = await api.request('GET', api.p('/collections'), { token: sk });
  t.same(res.body.items.map((c: any) => c.name), ['posts']);
  res = await api.request('GET', api.p('/collections/nope'), { token: sk });
  t.equal(res.status, 404);
  t.equal(res.body.error.code, 'collection_not_found');

  // duplicate name
  res = await create(api, posts);
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'conflict');

  // bad collection names: strict identifiers, reserved words refused
  const badNames: Array<[string, unknown, string]> = [
    ['upper case', 'Posts', 'invalid_name'],
    ['leading digit', '1x', 'invalid_name'],
    ['sql in name', 'x;drop table', 'invalid_name'],
    ['quote in name', 'x"y', 'invalid_name'],
    ['sql keyword', 'select', 'reserved_name'],
    ['system table', '_users', 'invalid_name'],
    ['built-in users', 'users', 'reserved_name'],
    ['system name', 'expand', 'reserved_name'],
    ['over-long', 'a'.repeat(64), 'invalid_name'],
    ['empty', '', 'invalid_name'],
    ['not a string', 42, 'invalid_type'],
  ];
  for (const [label, name, code] of badNames) {
    res = await create(api, { name, fields: [{ name: 'title', type: 'text' }] });
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'invalid_schema', `${label}: code ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.details?.fields?.name?.code, code, `${label}: details.fields.name`);
  }

  // bad fields: every problem listed per path
  const badFields: Array<[string, unknown[], Record<string, string>]> = [
    ['reserved field name', [{ name: 'id', type: 'text' }], { 'fields.0.name': 'reserved_name' }],
    ['sql field name', [{ name: 'a; drop table posts', type: 'text' }], { 'fields.0.name': 'invalid_name' }],
    ['upper-case field name', [{ name: 'Title', type: 'text' }], { 'fields.0.name': 'invalid_name' }],
    ['keyword field name', [{ name: 'from', type: 'text' }], { 'fields.0.name': 'reserved_name' }],
    ['over-long field name', [{ name: 'f'.repeat(64), type: 'text' }], { 'fields.0.name': 'invalid_name' }],
    ['unknown type', [{ name: 'a', type: 'blob' }], { 'fields.0.type': 'invalid_type' }],
    ['duplicate', [{ name: 'a', type: 'text' }, { name: 'a', type: 'text' }], { 'fields.1.name': 'duplicate_name' }],
    ['option of another type', [{ name: 'a', type: 'number', values: ['x'] }], { 'fields.0.values': 'option_not_allowed' }],
    ['unknown option', [{ name: 'a', type: 'text', colour: 'red' }], { 'fields.0.colour': 'unknown_option' }],
    ['select without values', [{ name: 'a', type: 'select' }], { 'fields.0.values': 'required' }],
    ['bad default', [{ name: 'a', type: 'integer', default: 'x' }], { 'fields.0.default': 'invalid_default' }],
    ['bad pattern', [{ name: 'a', type: 'text', pattern: '(' }], { 'fields.0.pattern': 'invalid_pattern' }],
    ['relation without target', [{ name: 'a', type: 'relation' }], { 'fields.0.collection': 'required' }],
    [
      'several at once',
      [{ name: 'Bad', type: 'text' }, { name: 'ok', type: 'nope' }],
      { 'fields.0.name': 'invalid_name', 'fields.1.type': 'invalid_type' },
    ],
  ];
  for (const [label, fields, expected] of badFields) {
    res = await create(api, { name: 'things', fields });
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'invalid_schema', `${label}: code ${JSON.stringify(res.body)}`);
    for (const [path, code] of Object.entries(expected)) {
      t.equal(res.body.error?.details?.fields?.[path]?.code, code, `${label}: ${path} ${JSON.stringify(res.body.error?.details)}`);
    }
  }

  // bad indexes
  res = await create(api, { name: 'things', fields: [{ name: 'a', type: 'text' }], indexes: [{ fields: ['nope'] }] });
  t.equal(res.status, 400);
  t.equal(res.body.error.details.fields['indexes.0.fields'].code, 'unknown_field');
  res = await create(api, { name: 'things', fields: [{ name: 'a', type: 'text' }], indexes: [{ name: 'x; drop', fields: ['a'] }] });
  t.equal(res.status, 400);
  t.equal(res.body.error.details.fields['indexes.0.name'].code, 'invalid_name');

  // rules that do not parse or check: 400 invalid_rule with the position
  const badRules: Array<[string, string, number]> = [
    ['syntax', "title = 'x' &&", 14],
    ['unknown field', "nope = 'x'", 0],
    ['type mismatch', "votes = 'many'", 8],
    ['unbalanced', '(title = 1', 9],
  ];
  for (const [label, rule] of badRules) {
    res = await create(api, { name: 'things', fields: [{ name: 'title', type: 'text' }, { name: 'votes', type: 'integer' }], rules: { list: rule } });
    t.equal(res.status, 400, `${label}: status`);
    t.equal(res.body.error?.code, 'invalid_rule', `${label}: ${JSON.stringify(res.body)}`);
    const problem = Object.values(res.body.error?.details?.fields ?? {})[0] as any;
    t.type(problem?.position, 'number', `${label}: position`);
    t.type(problem?.column, 'number', `${label}: column`);
  }
  res = await create(api, { name: 'things', fields: [{ name: 'title', type: 'text' }], rules: { list: "title = 'x' &&" } });
  t.equal((Object.values(res.body.error.details.fields)[0] as any).position, 14, 'position points at the end of input');

  // tables and indexes share one namespace per store: clashes are refused before any DDL
  res = await create(api, { name: 'tagged', fields: [{ name: 'slug', type: 'text', unique: true }], indexes: [{ name: 'by_slug', fields: ['slug'] }] });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const clashes: Array<[string, unknown, number, string]> = [
    ['index named like an index of another collection', { name: 'notes', fields: [{ name: 'slug', type: 'text' }], indexes: [{ name: 'by_slug', fields: ['slug'] }] }, 409, 'conflict'],
    ['index named like a collection', { name: 'notes', fields: [{ name: 'slug', type: 'text' }], indexes: [{ name: 'tagged', fields: ['slug'] }] }, 409, 'conflict'],
    ['collection named like an index', { name: 'by_slug', fields: [] }, 409, 'conflict'],
    ['collection named like a generated index', { name: 'uq_tagged_slug', fields: [] }, 409, 'conflict'],
    ['explicit index named like a generated one', { name: 'notes', fields: [{ name: 'a', type: 'text', unique: true }], indexes: [{ name: 'uq_notes_a', fields: ['a'] }] }, 409, 'conflict'],
    ["SQLite's own prefix", { name: 'sqlite_stat1', fields: [] }, 400, 'invalid_schema'],
    ["SQLite's own prefix on an index", { name: 'notes', fields: [{ name: 'a', type: 'text' }], indexes: [{ name: 'sqlite_autoindex_x', fields: ['a'] }] }, 400, 'invalid_schema'],
  ];
  for (const [label, def, status, code] of clashes) {
    res = await create(api, def);
    t.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.code, code, label);
  }
  res = await api.request('PATCH', api.p('/collections/tagged'), { token: sk, body: { name: 'by_slug' } });
  t.equal(res.status, 409, 'a rename onto an index name');
  res = await api.request('DELETE', api.p('/collections/tagged'), { token: sk });
  t.equal(res.status, 204);
  res = await create(api, { name: 'by_slug', fields: [] });
  t.equal(res.status, 201, 'the name is free once its owner is gone');
  res = await api.request('DELETE', api.p('/collections/by_slug'), { token: sk });

  // a relation to a missing collection
  res = await create(api, { name: 'comments', fields: [{ name: 'post', type: 'relation', collection: 'nope' }] });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_schema');
  t.match(JSON.stringify(res.body.error.details.fields), /unknown_collection/);

  // unknown top-level keys are refused, not ignored
  res = await create(api, { name: 'things', fields: [], colour: 'red' });
  t.equal(res.status, 400);

  // nothing of the failed creates exists
  res = await api.request('GET', api.p('/collections'), { token: sk });
  t.same(res.body.items.map((c: any) => c.name), ['posts']);

  // delete: table and records gone; the name can be reused
  await addRecord(api, 'posts', { title: 'a' });
  res = await api.request('DELETE', api.p('/collections/posts'), { token: sk });
  t.equal(res.status, 204);
  res = await api.request('GET', api.p('/collections/posts'), { token: sk });
  t.equal(res.status, 404);
  res = await api.request('GET', api.p('/collections/posts/records'), { token: sk });
  t.equal(res.status, 404);
  t.equal(res.body.error.code, 'collection_not_found');
  res = await api.request('DELETE', api.p('/collections/posts'), { token: sk });
  t.equal(res.status, 404);
  res = await create(api, posts);
  t.equal(res.status, 201);
  res = await api.request('GET', api.p('/collections/posts/records?count=true'), { token: sk });
  t.equal(res.body.total, 0, 'a recreated collection starts empty');
});

forEachEngine(t, 'collections: PATCH fields, options, indexes, rules, rename', async (t, api) => {
  const sk = api.secret;
  let res = await create(api, posts);
  t.equal(res.status, 201);
  const titleId = res.body.fields[0].id;
  const first = await addRecord(api, 'posts', { title: 'one', slug: 's1' });
  await addRecord(api, 'posts', { title: 'two', slug: 's1' });

  const patch = (body: unknown, name = 'posts', query = '') => api.request('PATCH', api.p(`/collections/${name}${query}`), { token: sk, body });
  const fieldsNow = async () => (await api.request('GET', api.p('/collections/posts'), { token: sk })).body.fields;

  // add a field: existing rows get its default
  res = await patch({ fields: [...(await fieldsNow()), { name: 'status', type: 'select', values: ['draft', 'open'], default: 'draft' }] });
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.equal(res.body.status, 'draft', 'existing row got the default');
  t.equal(res.body.title, 'one');

  // rename a field by id: data preserved
  let fields = await fieldsNow();
  res = await patch({ fields: fields.map((f: any) => (f.id === titleId ? { ...f, name: 'headline' } : f)) });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.fields.find((f: any) => f.id === titleId).name, 'headline');
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.equal(res.body.headline, 'one', 'data follows the renamed field');
  t.notOk('title' in res.body);

  // a rule refers to the field: a rename that breaks the rule is refused; with the rule updated it passes
  res = await patch({ rules: { list: "headline != 'secret'" } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  fields = await fieldsNow();
  res = await patch({ fields: fields.map((f: any) => (f.id === titleId ? { ...f, name: 'title' } : f)) });
  t.equal(res.status, 400, 'rename breaking a rule');
  t.equal(res.body.error.code, 'invalid_rule');
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.equal(res.body.headline, 'one', 'the refused rename changed nothing');
  res = await patch({ fields: fields.map((f: any) => (f.id === titleId ? { ...f, name: 'title' } : f)), rules: { list: "title != 'secret'" } });
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('GET', api.p(`/collections/posts/records?filter=${encodeURIComponent("title = 'one'")}`));
  t.equal(res.body.items.length, 1, 'guest list under the updated rule');

  // type change refused
  fields = await fieldsNow();
  res = await patch({ fields: fields.map((f: any) => (f.name === 'votes' ? { ...f, type: 'text', default: undefined } : f)) });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_schema');
  t.match(JSON.stringify(res.body.error.details.fields), /type_change/);

  // remove a field that holds data: refused (a partial field list must not silently drop columns), then said explicitly
  res = await patch({ fields: fields.filter((f: any) => f.name !== 'votes') });
  t.equal(res.status, 409, 'a drop of data nobody asked for');
  t.same(res.body.error, {
    code: 'would_drop_data',
    message: "removing votes (2 records) from 'posts' would delete their data; to drop it, say so with drop=votes",
    details: { drop: [{ field: 'votes', records: 2 }] },
  });
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.equal(res.body.votes, 0, 'the refused change kept the data');
  res = await patch({ fields: fields.filter((f: any) => f.name !== 'votes') }, 'posts', '?drop=other');
  t.equal(res.status, 409, 'naming another field is not consent');
  res = await patch({ fields: fields.filter((f: any) => f.name !== 'votes') }, 'posts', '?drop=votes');
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.notOk('votes' in res.body);
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'x', votes: 1 } });
  t.equal(res.status, 400, 'a removed field is unknown');

  // unique toggled on while duplicates exist: 409, nothing changed
  fields = await fieldsNow();
  res = await patch({ fields: fields.map((f: any) => (f.name === 'slug' ? { ...f, unique: true } : f)) });
  t.equal(res.status, 409, `unique over duplicates: ${JSON.stringify(res.body)}`);
  t.notOk((await fieldsNow()).find((f: any) => f.name === 'slug').unique);
  res = await api.request('GET', api.p('/collections/posts/records?count=true'), { token: sk });
  t.equal(res.body.total, 2, 'the refused change left the rows alone');
  // fix the duplicate, then toggle on: a duplicate is now 409
  const second = res.body.items.find((r: any) => r.id !== first.id);
  res = await api.request('PATCH', api.p(`/collections/posts/records/${second.id}`), { token: sk, body: { slug: 's2' } });
  t.equal(res.status, 200);
  res = await patch({ fields: fields.map((f: any) => (f.name === 'slug' ? { ...f, unique: true } : f)) });
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'dup', slug: 's1' } });
  t.equal(res.status, 409);
  t.equal(res.body.error.code, 'unique_violation');
  t.ok(res.body.error.details.fields.slug);
  // and off again: duplicates allowed
  res = await patch({ fields: fields.map((f: any) => (f.name === 'slug' ? { ...f, unique: false } : f)) });
  t.equal(res.status, 200);
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'dup', slug: 's1' } });
  t.equal(res.status, 201);

  // indexes: add a unique one over two fields, then remove it
  res = await patch({ indexes: [{ fields: ['title', 'slug'], unique: true }, { fields: ['-created_at'] }] });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.indexes.length, 2);
  t.equal(res.body.indexes[0].name, 'idx_posts_title_slug');
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'dup', slug: 's1' } });
  t.equal(res.status, 409, 'the unique index holds');
  res = await patch({ indexes: [] });
  t.equal(res.status, 200);
  t.same(res.body.indexes, []);
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'dup', slug: 's1' } });
  t.equal(res.status, 201, 'the index is gone');

  // removing fields that carry a unique index or are part of one: the indexes go with them
  res = await patch({
    fields: [...(await fieldsNow()), { name: 'code', type: 'text', unique: true }, { name: 'rank', type: 'integer' }],
    indexes: [{ fields: ['rank', '-code'] }],
  });
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('PATCH', api.p(`/collections/posts/records/${first.id}`), { token: sk, body: { code: 'c1', rank: 1 } });
  t.equal(res.status, 200);
  res = await patch({ fields: (await fieldsNow()).filter((f: any) => f.name !== 'code' && f.name !== 'rank') });
  t.same(res.body.error?.details, { drop: [{ field: 'code', records: 1 }, { field: 'rank', records: 1 }] }, 'both are named');
  res = await patch({ fields: (await fieldsNow()).filter((f: any) => f.name !== 'code' && f.name !== 'rank') }, 'posts', '?drop=code,rank');
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body.indexes, [], 'an index over a removed field is dropped');
  // a field that holds no value in any record goes without asking
  res = await patch({ fields: [...(await fieldsNow()), { name: 'empty', type: 'text' }] });
  t.equal(res.status, 200);
  res = await patch({ fields: (await fieldsNow()).filter((f: any) => f.name !== 'empty') });
  t.equal(res.status, 200, 'nothing to lose, nothing to ask');
  res = await api.request('GET', api.p(`/collections/posts/records/${first.id}`), { token: sk });
  t.notOk('code' in res.body || 'rank' in res.body);

  // rules: a bad rule in a PATCH is refused with its position
  res = await patch({ rules: { view: 'title = = 1' } });
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_rule');
  t.type(res.body.error.details.fields['posts.rules.view']?.position ?? (Object.values(res.body.error.details.fields)[0] as any).position, 'number');

  // rename the collection: records follow
  res = await patch({ name: 'articles' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await api.request('GET', api.p('/collections/posts'), { token: sk });
  t.equal(res.status, 404);
  res = await api.request('GET', api.p(`/collections/articles/records/${first.id}`), { token: sk });
  t.equal(res.status, 200);
  t.equal(res.body.title, 'one');
  res = await patch({ name: 'Bad Name' }, 'articles');
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_schema');
  res = await patch({ name: 'x' }, 'nope');
  t.equal(res.status, 404);

  // a collection referenced by another cannot be deleted or renamed
  res = await create(api, { name: 'comments', fields: [{ name: 'article', type: 'relation', collection: 'articles' }] });
  t.equal(res.status, 201, JSON.stringify(res.body));
  res = await api.request('DELETE', api.p('/collections/articles'), { token: sk });
  t.equal(res.status, 409);
  res = await patch({ name: 'stories' }, 'articles');
  t.equal(res.status, 409);
  res = await api.request('GET', api.p('/collections/articles'), { token: sk });
  t.equal(res.status, 200, 'still there');

  // the refused writes above left the store consistent with the catalog
  const { db } = (await api.app.baas.registry.get('app'))!;
  const rows = await db.all<{ name: string }>(sql`SELECT name FROM ${db.table('_collections')} ORDER BY name`);
  t.same(rows.map((r) => r.name), ['articles', 'comments']);
});

forEachEngine(t, 'collections: who may manage them', async (t, api) => {
  await create(api, posts);
  const cases: Array<[string, string, unknown, string | undefined, number]> = [
    ['guest lists', 'GET', undefined, undefined, 401],
    ['guest creates', 'POST', { name: 'x', fields: [] }, undefined, 401],
    ['bad token', 'GET', undefined, 'sk_nope', 401],
    ['garbage token', 'GET', undefined, 'whatever', 401],
    ['service key', 'GET', undefined, 'SECRET', 200],
    ['admin', 'GET', undefined, 'ADMIN', 200],
  ];
  for (const [label, method, body, token, status] of cases) {
    const real = token === 'SECRET' ? api.secret : token === 'ADMIN' ? api.adminToken : token;
    const res = await api.request(method, api.p('/collections'), { token: real, body });
    t.equal(res.status, status, label);
    if (status >= 400) t.type(res.body.error?.code, 'string', `${label}: envelope`);
  }
  for (const [method, path] of [['GET', '/collections/posts'], ['PATCH', '/collections/posts'], ['DELETE', '/collections/posts']]) {
    const res = await api.request(method, api.p(path), { body: method === 'PATCH' ? { rules: { list: '' } } : undefined });
    t.equal(res.status, 401, `guest ${method} ${path}`);
  }
  const res = await api.request('GET', api.p('/collections/posts'), { token: api.secret });
  t.equal(res.status, 200, 'untouched');
});
