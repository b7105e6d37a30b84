import t from 'tap';
import { check, parse, QueryError } from './index.ts';
import { fixtureSchema } from './test-fixture.ts';

const ctx = { schema: fixtureSchema, collection: 'posts' };

const valid = [
  "title = 'a'",
  'title = null',
  'null = title',
  'count > 1.5 && score <= count',
  "created_at > '2024-01-01' && updated_at < now && day >= now",
  'published',
  'published && auth.verified',
  '!published || author.verified',
  "author.email ~ 'x' && parent.author.email !~ 'y'",
  "editors.role = 'admin'",
  'auth.id in editors',
  "'a' in tags && status in ['open', null]",
  'count in [1, 2.5, null]',
  'author = auth.id',
  'tags = null && meta != null',
  'auth.data.plan = title && request.data.count > count && auth.data.flag',
  'request.data.tags in tags',
  'title in auth.data.allowed',
  'length(tags) > 2 && length(title) < 5',
  "lower(title) = 'x' && lower(auth.data.name) ~ 'y'",
  "segment(title, 0) = auth.id && segment(author.email, 63) = null && lower(segment(auth.data.path, 1)) in ['a']",
  '(count > 1) = published',
  'id != null',
];

t.test('accepts valid expressions', async (t) => {
  for (const source of valid) t.doesNotThrow(() => check(parse(source), ctx), source);
});

const invalid: Array<[string, string, number]> = [
  ["titel = 'a'", "unknown field 'titel'", 0],
  ["author.nmae = 'a'", "unknown field 'nmae' in collection 'users'", 7],
  ["parent.author.nmae = 'a'", "unknown field 'nmae' in collection 'users'", 14],
  ["title.x = 'a'", "'title' is not a relation, so it has no field 'x'", 6],
  ['title > 5', 'cannot compare text field \'title\' > a number literal', 8],
  ['5 < title', 'cannot compare a number literal < text field \'title\'', 0],
  ["count ~ 'a'", "'~' needs text, not number field 'count'", 0],
  ["published > true", "'>' needs numbers, text or dates, not boolean field 'published'", 0],
  ["title = true", "cannot compare text field 'title' = a boolean literal", 8],
  ['title = count', "cannot compare text field 'title' = number field 'count'", 6],
  ["tags = 'a'", "cannot compare multiple field 'tags' = a text literal (use 'x in field' for a multiple field)", 7],
  ["meta = 'a'", "cannot compare json field 'meta' = a text literal", 7],
  ['title in title', "the right side of 'in' must be a list or a multiple field, not text field 'title'", 9],
  ["title in ['a', 1]", "cannot compare text field 'title' with a number in the list", 15],
  ['count in tags', "cannot compare number field 'count' in multiple field 'tags'", 6],
  ["title = ['a']", "a list can only follow 'in'", 8],
  ['title', "expected a condition but found text field 'title'", 0],
  ["'x'", 'expected a condition but found a text literal', 0],
  ['null', 'expected a condition but found null', 0],
  ['published && count', "expected a condition but found number field 'count'", 13],
  ['foo(title) = 1', "unknown function 'foo' (available: length, lower, segment)", 0],
  ['segment(title) = null', 'segment() takes exactly 2 arguments', 0],
  ['segment(title, count) = null', "segment()'s second argument must be a whole number from 0 to 63: segment(path, 0) is the first segment", 15],
  ['segment(title, 1.5) = null', "segment()'s second argument must be a whole number from 0 to 63: segment(path, 0) is the first segment", 15],
  ['segment(title, 64) = null', "segment()'s second argument must be a whole number from 0 to 63: segment(path, 0) is the first segment", 15],
  ["segment(tags, 0) = 'a'", "segment() cannot take multiple field 'tags'", 8],
  ['segment(title, 0) = 1', "cannot compare segment(...) = a number literal", 20],
  ['length(title, tags) = 1', 'length() takes exactly 1 argument', 0],
  ['length(count) = 1', "length() cannot take number field 'count'", 7],
  ["lower(tags) = 'a'", "lower() cannot take multiple field 'tags'", 6],
  ['auth = null', "use 'auth.id' (null for a guest) instead of 'auth'", 0],
  ['auth.name = null', "unknown property 'auth.name' (use id, email, verified, anonymous, role or data.*)", 5],
  ['auth.id.x = null', "'auth.id' has no properties", 8],
  ['request.body = null', "use 'request.data.<field>'", 8],
  ['now.x = null', "'now' has no properties", 4],
  ['auth.id = 1', "cannot compare auth.id = a number literal", 10],
  ['auth.verified ~ 1', "'~' needs text, not auth.verified", 0],
];

t.test('refuses invalid expressions at the offending token', async (t) => {
  for (const [source, reason, position] of invalid) {
    try {
      check(parse(source), ctx);
      t.fail(`no error for ${source}`);
    } catch (err) {
      t.ok(err instanceof QueryError, source);
      t.equal((err as QueryError).reason, reason, source);
      t.equal((err as QueryError).position, position, `${source}: position`);
    }
  }
});

t.test('system fields exist even when the schema does not list them', async (t) => {
  t.doesNotThrow(() => check(parse("id = 'x' && author.id = 'u' && author.created_at < now"), ctx));
});

t.test('field names that look like built-ins are not inherited properties', async (t) => {
  t.throws(() => check(parse('constructor = null'), ctx), /unknown field 'constructor'/);
  t.throws(() => check(parse('__proto__ = null'), ctx), /unknown field '__proto__'/);
});

t.test('inherited members of a careless schema lookup are not fields', async (t) => {
  const fields: Record<string, { type: 'text' }> = { title: { type: 'text' } };
  const schema = { field: (_c: string, n: string) => fields[n] };
  t.doesNotThrow(() => check(parse("title = 'x'"), { schema, collection: 'posts' }));
  t.throws(() => check(parse('constructor = null'), { schema, collection: 'posts' }), /unknown field 'constructor'/);
  t.throws(() => check(parse('toString = null'), { schema, collection: 'posts' }), /unknown field 'toString'/);
});
