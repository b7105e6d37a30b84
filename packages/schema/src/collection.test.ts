import t from 'tap';
import type { CollectionDefinition } from '@baas/protocol';
import { defaultIndexName, maxFields, newFieldId, normalizeCollection } from './collection.ts';
import { SchemaError } from './errors.ts';

/** The details of the SchemaError `fn` throws. */
function schemaErrors(fn: () => unknown): Record<string, { code: string; message: string }> {
  try {
    fn();
  } catch (e) {
    if (e instanceof SchemaError) {
      if (e.code !== 'invalid_schema') throw new Error('wrong code');
      return e.details.fields;
    }
    throw e;
  }
  throw new Error('expected a SchemaError');
}

const field = (extra: Record<string, unknown>) => ({ name: 'x', type: 'text', ...extra });

// [description, fields entry, expected path (under fields.0) and code]
const fieldCases: Array<[string, Record<string, unknown>, string, string]> = [
  ['missing name', { type: 'text' }, 'name', 'required'],
  ['bad name', field({ name: 'Bad Name' }), 'name', 'invalid_name'],
  ['reserved name', field({ name: 'select' }), 'name', 'reserved_name'],
  ['missing type', { name: 'x' }, 'type', 'required'],
  ['unknown type', field({ type: 'varchar' }), 'type', 'invalid_type'],
  ['unknown option', field({ maxLength: 3 }), 'maxLength', 'unknown_option'],
  ['values on text', field({ values: ['a'] }), 'values', 'option_not_allowed'],
  ['select without values', field({ type: 'select' }), 'values', 'required'],
  ['empty values', field({ type: 'select', values: [] }), 'values', 'invalid_values'],
  ['duplicate values', field({ type: 'select', values: ['a', 'a'] }), 'values', 'invalid_values'],
  ['non-string values', field({ type: 'select', values: ['a', 1] }), 'values', 'invalid_values'],
  ['relation without collection', field({ type: 'relation' }), 'collection', 'required'],
  ['relation to a bad name', field({ type: 'relation', collection: 'Posts' }), 'collection', 'invalid_name'],
  ['collection on text', field({ collection: 'posts' }), 'collection', 'option_not_allowed'],
  ['pattern on number', field({ type: 'number', pattern: 'a' }), 'pattern', 'option_not_allowed'],
  ['pattern that does not compile', field({ pattern: '(' }), 'pattern', 'invalid_pattern'],
  ['pattern too long', field({ pattern: 'a'.repeat(501) }), 'pattern', 'invalid_pattern'],
  ['min on boolean', field({ type: 'boolean', min: 1 }), 'min', 'option_not_allowed'],
  ['min on json', field({ type: 'json', min: 1 }), 'min', 'option_not_allowed'],
  ['min on single select', field({ type: 'select', values: ['a'], min: 1 }), 'min', 'option_not_allowed'],
  ['negative length', field({ min: -1 }), 'min', 'invalid_type'],
  ['fractional length', field({ max: 1.5 }), 'max', 'invalid_type'],
  ['string bound on number', field({ type: 'number', min: '1' }), 'min', 'invalid_type'],
  ['infinite bound', field({ type: 'number', max: Infinity }), 'max', 'invalid_type'],
  ['non-ISO date bound', field({ type: 'date', min: 'yesterday' }), 'min', 'invalid_type'],
  ['min > max', field({ min: 5, max: 2 }), 'min', 'invalid_range'],
  ['date min > max', field({ type: 'date', min: '2025-01-01', max: '2024-01-01' }), 'min', 'invalid_range'],
  ['multiple on text', field({ multiple: true }), 'multiple', 'option_not_allowed'],
  ['multiple not boolean', field({ type: 'file', multiple: 'yes' }), 'multiple', 'invalid_type'],
  ['unique on json', field({ type: 'json', unique: true }), 'unique', 'option_not_allowed'],
  ['unique on multiple', field({ type: 'file', multiple: true, unique: true }), 'unique', 'option_not_allowed'],
  ['required and nullable', field({ required: true, nullable: true }), 'nullable', 'contradiction'],
  ['default of the wrong type', field({ type: 'number', default: 'x' }), 'default', 'invalid_default'],
  ['default outside the values', field({ type: 'select', values: ['a'], default: 'b' }), 'default', 'invalid_default'],
  ['default breaking max', field({ max: 2, default: 'abc' }), 'default', 'invalid_default'],
  ['empty default of a required text', field({ required: true, default: '' }), 'default', 'invalid_default'],
  ['bad field id', field({ id: 'bad id!' }), 'id', 'invalid_id'],
];

for (const [name, def, path, code] of fieldCases) {
  t.test(`field: ${name}`, async (t) => {
    const errors = schemaErrors(() => normalizeCollection({ name: 'things', fields: [def] }));
    t.same(errors[`fields.0.${path}`]?.code, code, JSON.stringify(errors));
    t.ok(errors[`fields.0.${path}`]?.message, 'has a message');
  });
}

// [description, body, path, code]
const bodyCases: Array<[string, unknown, string, string]> = [
  ['not an object', [], 'body', 'invalid_type'],
  ['missing name', { fields: [] }, 'name', 'required'],
  ['reserved collection', { name: 'users' }, 'name', 'reserved_name'],
  ['uppercase collection', { name: 'Posts' }, 'name', 'invalid_name'],
  ['unknown key', { name: 'a', schema: [] }, 'schema', 'unknown_key'],
  ['fields not an array', { name: 'a', fields: {} }, 'fields', 'invalid_type'],
  ['field not an object', { name: 'a', fields: ['title'] }, 'fields.0', 'invalid_type'],
  ['duplicate field names', { name: 'a', fields: [field({}), field({ type: 'number' })] }, 'fields.1.name', 'duplicate_name'],
  ['duplicate field ids', { name: 'a', fields: [field({ id: 'f1' }), field({ id: 'f1', name: 'y' })] }, 'fields.1.id', 'duplicate_id'],
  ['too many fields', { name: 'a', fields: Array.from({ length: maxFields + 1 }, (_, i) => field({ name: `f${i}` })) }, 'fields', 'too_many'],
  ['rules not an object', { name: 'a', rules: 'x' }, 'rules', 'invalid_type'],
  ['unknown rule', { name: 'a', rules: { read: '' } }, 'rules.read', 'unknown_key'],
  ['rule not a string', { name: 'a', rules: { list: true } }, 'rules.list', 'invalid_type'],
  ['rule too long', { name: 'a', rules: { view: 'x'.repeat(4097) } }, 'rules.view', 'too_long'],
  ['indexes not an array', { name: 'a', indexes: {} }, 'indexes', 'invalid_type'],
  ['index not an object', { name: 'a', indexes: ['x'] }, 'indexes.0', 'invalid_type'],
  ['index on unknown field', { name: 'a', fields: [field({})], indexes: [{ fields: ['y'] }] }, 'indexes.0.fields', 'unknown_field'],
  ['index without fields', { name: 'a', indexes: [{ fields: [] }] }, 'indexes.0.fields', 'invalid_type'],
  ['index with a field twice', { name: 'a', fields: [field({})], indexes: [{ fields: ['x', '-x'] }] }, 'indexes.0.fields', 'duplicate_field'],
  ['bad index name', { name: 'a', indexes: [{ name: 'Idx', fields: ['id'] }] }, 'indexes.0.name', 'invalid_name'],
  ['unknown index option', { name: 'a', indexes: [{ fields: ['id'], where: 'x' }] }, 'indexes.0.where', 'unknown_option'],
  ['duplicate index names', { name: 'a', indexes: [{ name: 'i', fields: ['id'] }, { name: 'i', fields: ['created_at'] }] }, 'indexes.1.name', 'duplicate_name'],
  ['search not an array', { name: 'a', search: 'x' }, 'search', 'invalid_type'],
  ['search of an unknown field', { name: 'a', fields: [field({})], search: ['y'] }, 'search', 'unknown_field'],
  ['search of a number field', { name: 'a', fields: [field({ type: 'number' })], search: ['x'] }, 'search', 'not_searchable'],
  ['search of a field twice', { name: 'a', fields: [field({})], search: ['x', 'x'] }, 'search', 'duplicate_field'],
  ['unique index over json', { name: 'a', fields: [field({ type: 'json' })], indexes: [{ fields: ['x'], unique: true }] }, 'indexes.0.fields', 'not_indexable'],
];

for (const [name, body, path, code] of bodyCases) {
  t.test(`body: ${name}`, async (t) => {
    const errors = schemaErrors(() => normalizeCollection(body));
    t.same(errors[path]?.code, code, JSON.stringify(errors));
  });
}

t.test('collects every problem at once', async (t) => {
  const errors = schemaErrors(() =>
    normalizeCollection({
      name: 'select',
      fields: [{ name: 'ok', type: 'text' }, { name: 'Bad', type: 'text' }, { name: 'x', type: 'nope' }, { name: 'ok', type: 'text' }],
      rules: { list: 1, bogus: '' },
      indexes: [{ fields: ['missing'] }],
    }),
  );
  t.same(Object.keys(errors).sort(), [
    'fields.1.name', 'fields.2.type', 'fields.3.name', 'indexes.0.fields', 'name', 'rules.bogus', 'rules.list',
  ]);
  const e = (() => { try { normalizeCollection({ name: 'select' }); } catch (e) { return e as SchemaError; } })();
  t.match(e?.message, /name: 'select' is a reserved word/, 'the message summarizes');
});

t.test('a create body is normalized', async (t) => {
  const def = normalizeCollection({
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true, nullable: false, max: 200, pattern: '[A-Z].*' },
      { name: 'views', type: 'integer', min: 0, default: 0, required: false, nullable: true },
      { name: 'published', type: 'date', min: '2020-01-01', default: '2024-05-01T12:00:00+02:00' },
      { name: 'status', type: 'select', values: ['draft', 'live'], default: 'draft' },
      { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true, max: 2, default: ['a', 'a'] },
      { name: 'author', type: 'relation', collection: 'users', required: true },
      { name: 'meta', type: 'json', default: { a: [1] } },
      { name: 'slug', type: 'text', unique: true, nullable: false },
    ],
    rules: { list: '', view: 'auth.id != null' },
    indexes: [{ fields: ['status', '-published'] }, { name: 'by_author', fields: ['author'], unique: false }],
    createdAt: 'ignored',
  });
  t.equal(def.name, 'posts');
  for (const f of def.fields) t.match(f.id, /^f[0-9a-z]{8}$/, `${f.name} got an id`);
  const strip = def.fields.map(({ id: _id, ...rest }) => rest);
  t.same(strip, [
    { name: 'title', type: 'text', required: true, max: 200, pattern: '[A-Z].*' },
    { name: 'views', type: 'integer', default: 0, min: 0 },
    { name: 'published', type: 'date', default: '2024-05-01T10:00:00.000Z', min: '2020-01-01T00:00:00.000Z' },
    { name: 'status', type: 'select', default: 'draft', values: ['draft', 'live'] },
    { name: 'tags', type: 'select', multiple: true, default: ['a'], max: 2, values: ['a', 'b'] },
    { name: 'author', type: 'relation', required: true, collection: 'users' },
    { name: 'meta', type: 'json', default: { a: [1] } },
    { name: 'slug', type: 'text', nullable: false, unique: true },
  ]);
  t.same(def.rules, { list: '', view: 'auth.id != null', create: null, update: null, delete: null });
  t.same(def.indexes, [
    { name: 'idx_posts_status_published', fields: ['status', '-published'] },
    { name: 'by_author', fields: ['author'] },
  ]);
  t.notOk('createdAt' in def, 'read-only keys of the input are ignored');
  t.same(Object.keys(def.fields[0]).slice(0, 3), ['id', 'name', 'type'], 'canonical key order');
});

t.test('defaults of an empty body', async (t) => {
  t.same(normalizeCollection({ name: 'empty' }), {
    name: 'empty',
    fields: [],
    rules: { list: null, view: null, create: null, update: null, delete: null },
    indexes: [],
  });
});

t.test('a given field id is kept on create', async (t) => {
  const def = normalizeCollection({ name: 'a', fields: [{ id: 'fkeep1234', name: 'x', type: 'text' }] });
  t.equal(def.fields[0].id, 'fkeep1234');
});

t.test('newFieldId', async (t) => {
  const ids = new Set(Array.from({ length: 200 }, newFieldId));
  t.equal(ids.size, 200);
  for (const id of ids) t.match(id, /^f[0-9a-z]{8}$/);
});

t.test('defaultIndexName', async (t) => {
  t.equal(defaultIndexName('posts', ['title', '-created_at']), 'idx_posts_title_created_at');
  const long = defaultIndexName('a'.repeat(40), ['b'.repeat(40), 'c'.repeat(40)]);
  t.equal(long.length, 63);
  t.match(long, /^[a-z][a-z0-9_]{0,62}$/);
  t.equal(long, defaultIndexName('a'.repeat(40), ['b'.repeat(40), 'c'.repeat(40)]), 'deterministic');
  t.not(long, defaultIndexName('a'.repeat(40), ['b'.repeat(40), 'd'.repeat(40)]), 'the hash tells long names apart');
});

t.test('generated index names step aside for taken ones', async (t) => {
  const def = normalizeCollection({
    name: 'a',
    fields: [field({})],
    indexes: [{ fields: ['x'] }, { fields: ['-x'] }, { name: 'idx_a_created_at', fields: ['id'] }, { fields: ['created_at'] }],
  });
  t.same(def.indexes.map((i) => i.name), ['idx_a_x', 'idx_a_x_2', 'idx_a_created_at', 'idx_a_created_at_2']);
});

// ---- PATCH -----------------------------------------------------------------

const base = (): CollectionDefinition =>
  normalizeCollection({
    name: 'posts',
    fields: [
      { id: 'ftitle000', name: 'title', type: 'text', required: true },
      { id: 'fbody0000', name: 'body', type: 'text' },
      { id: 'ftags0000', name: 'tags', type: 'select', values: ['a'], multiple: true },
    ],
    rules: { list: '', view: '' },
    indexes: [{ fields: ['title', '-created_at'] }, { name: 'body_idx', fields: ['body'] }],
  });

t.test('patch: rename a field by id', async (t) => {
  const old = base();
  const def = normalizeCollection({ fields: [{ id: 'ftitle000', name: 'headline', type: 'text' }, ...old.fields.slice(1)] }, old);
  t.same(def.fields.map((f) => [f.id, f.name]), [['ftitle000', 'headline'], ['fbody0000', 'body'], ['ftags0000', 'tags']]);
  t.same(def.rules, old.rules, 'rules untouched');
  t.same(def.indexes, [
    { name: 'idx_posts_headline_created_at', fields: ['headline', '-created_at'] },
    { name: 'body_idx', fields: ['body'] },
  ], 'indexes follow the rename; generated names are regenerated');
});

t.test('patch: swap two names by id', async (t) => {
  const old = base();
  const def = normalizeCollection({
    fields: [
      { id: 'ftitle000', name: 'body', type: 'text' },
      { id: 'fbody0000', name: 'title', type: 'text' },
    ],
  }, old);
  t.same(def.fields.map((f) => [f.id, f.name]), [['ftitle000', 'body'], ['fbody0000', 'title']]);
});

t.test('patch: match by name, add, remove', async (t) => {
  const old = base();
  const def = normalizeCollection({
    fields: [{ name: 'title', type: 'text', max: 10 }, { name: 'summary', type: 'text' }],
  }, old);
  t.equal(def.fields[0].id, 'ftitle000', 'matched by name keeps the id');
  t.equal(def.fields[0].max, 10);
  t.match(def.fields[1].id, /^f[0-9a-z]{8}$/);
  t.not(def.fields[1].id, 'fbody0000');
  t.same(def.indexes, [{ name: 'idx_posts_title_created_at', fields: ['title', '-created_at'] }], 'index over a removed field is dropped');
});

t.test('patch: a new field may reuse the name of a renamed one', async (t) => {
  const old = base();
  const def = normalizeCollection({
    fields: [{ id: 'ftitle000', name: 'headline', type: 'text' }, { name: 'title', type: 'number' }],
  }, old);
  t.equal(def.fields[0].id, 'ftitle000');
  t.not(def.fields[1].id, 'ftitle000');
  t.equal(def.fields[1].type, 'number');
});

t.test('patch: type change is refused', async (t) => {
  const old = base();
  let errors = schemaErrors(() => normalizeCollection({ fields: [{ id: 'ftitle000', name: 'title', type: 'number' }] }, old));
  t.equal(errors['fields.0.type'].code, 'type_change');
  t.equal(errors['fields.0.type'].message, "field 'title' cannot change type; add a new field instead");
  errors = schemaErrors(() => normalizeCollection({ fields: [{ name: 'body', type: 'json' }] }, old));
  t.equal(errors['fields.0.type'].code, 'type_change', 'also when matched by name');
  errors = schemaErrors(() => normalizeCollection({ fields: [{ name: 'tags', type: 'select', values: ['a'] }] }, old));
  t.equal(errors['fields.0.type'].code, 'type_change', 'multiple counts as type');
});

t.test('patch: rename the collection, merge rules, replace indexes', async (t) => {
  const old = { ...base(), createdAt: '2024-01-01T00:00:00.000Z' };
  const def = normalizeCollection({ name: 'articles', rules: { view: null, create: 'auth.id != null' } }, old);
  t.equal(def.name, 'articles');
  t.same(def.fields, old.fields);
  t.same(def.rules, { list: '', view: null, create: 'auth.id != null', update: null, delete: null });
  t.same(def.indexes.map((i) => i.name), ['idx_articles_title_created_at', 'body_idx']);
  t.equal(def.createdAt, old.createdAt);
  const replaced = normalizeCollection({ indexes: [{ fields: ['body'], unique: true }] }, old);
  t.same(replaced.indexes, [{ name: 'idx_posts_body', fields: ['body'], unique: true }]);
  t.same(normalizeCollection({ indexes: [] }, old).indexes, []);
});

t.test('patch: an unknown id falls back to the name', async (t) => {
  const old = base();
  const def = normalizeCollection({ fields: [{ id: 'fother000', name: 'body', type: 'text' }] }, old);
  t.equal(def.fields[0].id, 'fbody0000');
});

t.test('patch: errors of a patch are reported too', async (t) => {
  const errors = schemaErrors(() => normalizeCollection({ name: 'Bad', rules: { list: 3 } }, base()));
  t.same(Object.keys(errors).sort(), ['name', 'rules.list']);
});

t.test('patch: search follows renames, drops removed fields, and null clears it', async (t) => {
  const before = normalizeCollection({ name: 'p', fields: [{ name: 'title', type: 'text' }, { name: 'body', type: 'text' }], search: ['title', 'body'] });
  t.same(before.search, ['title', 'body']);
  const [title] = before.fields;
  const renamed = normalizeCollection({ fields: [{ id: title.id, name: 'heading', type: 'text' }] }, before);
  t.same(renamed.search, ['heading'], 'the rename is followed, the removed body drops out');
  t.same(normalizeCollection({ rules: { list: '' } }, before).search, ['title', 'body'], 'kept when not sent');
  t.equal(normalizeCollection({ search: null }, before).search, undefined, 'null clears it');
  t.equal(normalizeCollection({ search: [] }, before).search, undefined, 'so does []');
});

t.test('normalizing is idempotent', async (t) => {
  const once = base();
  t.same(normalizeCollection(once), once, 'as a create body');
  t.same(normalizeCollection(once, once), once, 'as a patch onto itself');
});
