/** Covers record-serializer.ts: the compiled serializers write what JSON.stringify writes, and follow the catalog. */
import t from 'tap';
import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { listReplySerializer, recordReplySerializer } from './record-serializer.ts';

const def = (name: string, fields: Array<Partial<FieldDefinition> & Pick<FieldDefinition, 'name' | 'type'>>): CollectionDefinition =>
  ({ name, fields, rules: {}, indexes: [] }) as unknown as CollectionDefinition;

const authors = def('authors', [{ name: 'name', type: 'text' }, { name: 'born', type: 'date' }]);
const posts = def('posts', [
  { name: 'title', type: 'text' },
  { name: 'mail', type: 'email' },
  { name: 'site', type: 'url' },
  { name: 'score', type: 'number' },
  { name: 'votes', type: 'integer' },
  { name: 'ok', type: 'boolean' },
  { name: 'at', type: 'date' },
  { name: 'meta', type: 'json' },
  { name: 'status', type: 'select', values: ['a', 'b'] },
  { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
  { name: 'author', type: 'relation', collection: 'authors' },
  { name: 'coauthors', type: 'relation', collection: 'authors', multiple: true },
  { name: 'owner', type: 'relation', collection: 'users' },
  { name: 'pic', type: 'file' },
  { name: 'pics', type: 'file', multiple: true },
]);
const catalog = new Map([['authors', authors], ['posts', posts]]);

const system = { id: 'r1', created_at: '2024-01-01T00:00:00.000Z', updated_at: '2024-01-02T00:00:00.000Z' };
const author = { ...system, id: 'a1', name: 'Ann "the" \\ writer', born: null };
const full = {
  ...system,
  title: 'quotes " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800 end',
  mail: 'a@example.com',
  site: 'https://example.com/?q=1&r=<2>',
  score: 1.25,
  votes: 2 ** 53 - 1,
  ok: false,
  at: '2024-05-01T10:00:00.000Z',
  meta: { nested: [1, null, 'x', { deep: true }], s: 'é' },
  status: 'a',
  tags: ['a', 'b'],
  author: 'a1',
  coauthors: ['a1'],
  owner: 'u1',
  pic: 'x.png',
  pics: [],
  expand: { author, coauthors: [author], owner: { id: 'u1', created_at: 'c', updated_at: 'u', email: 'u@x', verified: true, role: null } },
  _highlight: { title: '<mark>quotes</mark>' },
};
const nulls = { ...system, ...Object.fromEntries(posts.fields.map((f) => [f.name, null])) };

t.test('a record and a list are written exactly as JSON.stringify writes them', async (t) => {
  const record = recordReplySerializer(catalog, posts);
  for (const value of [full, nulls, { id: 'r2', title: 'x' }, { ...full, meta: 'a json string' }, { ...full, meta: [1, 2] }, { ...full, meta: false }]) {
    t.equal(record(value), JSON.stringify(value));
  }
  const list = listReplySerializer(catalog, posts);
  for (const value of [
    { items: [full, nulls], nextCursor: 'abc' },
    { items: [], nextCursor: null },
    { items: [nulls], nextCursor: null, page: 2, perPage: 10, total: 11 },
  ]) {
    t.equal(list(value), JSON.stringify(value));
  }
});

t.test('compiled once per catalog and collection; a new catalog (a schema change) compiles the new shape', async (t) => {
  t.equal(recordReplySerializer(catalog, posts), recordReplySerializer(catalog, posts), 'cached');
  t.equal(listReplySerializer(catalog, posts), listReplySerializer(catalog, posts), 'cached');
  const before = recordReplySerializer(catalog, authors);
  t.equal(before({ ...system, name: 'n', born: null, extra: 1 }), JSON.stringify({ ...system, name: 'n', born: null }), 'a field the schema lacks is not written');
  // What a schema change installs: a new catalog with a new definition.
  const changed = def('authors', [{ name: 'name', type: 'text' }, { name: 'extra', type: 'integer' }]);
  const next = new Map(catalog).set('authors', changed);
  const after = recordReplySerializer(next, changed);
  t.not(after, before);
  t.equal(after({ ...system, name: 'n', extra: 1 }), JSON.stringify({ ...system, name: 'n', extra: 1 }), 'the new field is written');
  // Expansions of posts follow the new authors too.
  const expanded = { ...nulls, expand: { author: { ...system, name: 'n', extra: 1 } } };
  t.equal(recordReplySerializer(next, posts)(expanded), JSON.stringify(expanded), 'an expanded record has the new shape');
  t.equal(recordReplySerializer(catalog, posts)({ ...nulls, expand: { author: { ...system, name: 'n', extra: 1 } } }),
    JSON.stringify({ ...nulls, expand: { author: { ...system, name: 'n' } } }), 'the old catalog keeps the old shape');
});

t.test('a definition that is not the catalog\'s is not cached under its name', async (t) => {
  const stranger = def('posts', [{ name: 'other', type: 'text' }]);
  const value = { ...system, other: 'x' };
  t.equal(recordReplySerializer(catalog, stranger)(value), JSON.stringify(value));
  t.equal(recordReplySerializer(catalog, posts)({ ...nulls }), JSON.stringify(nulls), 'the catalog\'s own stays');
});

t.test('a field named constructor: a selected record (fields=, no prototype) without it does not write the inherited one', async (t) => {
  const odd = def('odd', [{ name: 'constructor', type: 'text' }, { name: 'n', type: 'integer' }]);
  const serialize = recordReplySerializer(new Map([['odd', odd]]), odd);
  const bare = (o: object) => Object.assign(Object.create(null), o);
  for (const value of [bare({ ...system }), bare({ ...system, constructor: 'kept', n: 3 }), bare({ ...system, constructor: null }), { ...system, constructor: 'own', n: null }]) {
    t.equal(serialize(value), JSON.stringify(value));
  }
});

t.test('two levels of expand (the second one untyped) and a relation to a collection that relates back', async (t) => {
  const people = def('people', [{ name: 'name', type: 'text' }, { name: 'best', type: 'relation', collection: 'people' }, { name: 'likes', type: 'relation', collection: 'people', multiple: true }]);
  const cat = new Map([['people', people]]);
  const leaf = { ...system, id: 'p3', name: 'C', best: null, likes: ['p1'] };
  const middle = { ...system, id: 'p2', name: 'B', best: 'p3', likes: [], expand: { best: leaf, likes: [leaf, { ...leaf, id: 'p4' }] } };
  const top = { ...system, id: 'p1', name: 'A', best: 'p2', likes: ['p2', 'p3'], expand: { best: middle, likes: [middle, leaf] } };
  t.equal(recordReplySerializer(cat, people)(top), JSON.stringify(top));
  const list = { items: [top, middle, leaf], nextCursor: null, total: 3 };
  t.equal(listReplySerializer(cat, people)(list), JSON.stringify(list));
});
