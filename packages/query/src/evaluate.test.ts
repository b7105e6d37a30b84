import t from 'tap';
import { evaluate, parse, type Env, type EvalContext, type Row } from './index.ts';
import { fixtureSchema, guestEnv } from './test-fixture.ts';

const users: Record<string, Row> = {
  u1: { id: 'u1', email: 'Ann@X.io', verified: true, role: 'admin', data: null },
  u2: { id: 'u2', email: null, verified: false, role: 'user', data: null },
};
const posts: Record<string, Row> = {
  p0: { id: 'p0', title: 'Root', author: 'u2', tags: ['x'], published: true, count: 1 },
};
const row: Row = {
  id: 'p1',
  created_at: '2024-01-01T00:00:00.000Z',
  title: 'Hello World',
  body: null,
  count: 3,
  score: 2.5,
  published: false,
  status: 'open',
  tags: ['a', 'B'],
  author: 'u1',
  editors: ['u1', 'u2', 'u9'],
  parent: 'p0',
  meta: { any: 'thing' },
};
const user: Env = {
  auth: { id: 'u1', email: 'ann@x.io', verified: true, data: { plan: 'pro', n: 2, list: ['open', 'x'], path: 'u1//f.png', empty: '' } },
  request: { data: { title: 'Hello World' } },
  now: '2024-05-01T12:00:00.000Z',
};

function ctx(env: Env, withRelated = true): EvalContext {
  const tables: Record<string, Record<string, Row>> = { users, posts };
  return {
    schema: fixtureSchema,
    collection: 'posts',
    env,
    related: withRelated ? (c, id) => (Object.hasOwn(tables[c] ?? {}, id) ? tables[c][id] : undefined) : undefined,
  };
}

const cases: Array<[string, boolean, Env?]> = [
  ["title = 'Hello World'", true],
  ["title = 'hello world'", false],
  ["title ~ 'WORLD'", true],
  ["title !~ 'world'", false],
  ["body ~ ''", false],
  ["body !~ 'x'", false],
  ['body = null', true],
  ["body != 'x'", true],
  ['body < "z"', false],
  ['!(body < "z")', true],
  ['count > 2 && score <= 2.5', true],
  ['count in [1, 3]', true],
  ['body in [null]', true],
  ['published', false],
  ['!published', true],
  ['parent.published', true],
  ["'a' in tags && !('b' in tags)", true],
  ['length(tags) = 2 && length(title) = 11', true],
  ["lower(title) = 'hello world'", true],
  ["segment(title, 0) = 'Hello World' && segment(title, 1) = null", true],
  ["segment(auth.data.path, 0) = auth.id && segment(auth.data.path, 1) = '' && segment(auth.data.path, 2) = 'f.png'", true],
  ['segment(auth.data.empty, 0) = null && segment(body, 0) = null', true],
  ['author = auth.id', true],
  ['author = auth.id', false, guestEnv],
  ['auth.id = null', true, guestEnv],
  ['auth.verified', false, guestEnv],
  ['auth.id in editors', true],
  ["author.email ~ 'ann'", true],
  ["author.role = 'admin' && parent.author.role = 'user'", true],
  ['parent.author.email = null', true],
  ["editors.role = 'user'", true],
  ["editors.role = 'nobody'", false],
  ["editors.email ~ 'ann'", true],
  ["'x' in parent.tags", true],
  ['status in auth.data.list', true],
  ["auth.data.plan = 'pro'", true],
  ['count = auth.data.plan', false],
  ['count != auth.data.plan', true],
  ['count > auth.data.n', true],
  ['auth.data.missing = null', true],
  ['auth.data.plan.deeper = null', true],
  ['request.data.title = title', true],
  ['request.data.__proto__ = null && auth.data.constructor = null', true],
  ['meta != null', true],
  ['created_at < now', true],
  ['(count > 1) = published', false],
];

t.test('evaluates against a decoded record', async (t) => {
  for (const [source, expected, env] of cases) {
    t.equal(evaluate(parse(source), row, ctx(env ?? user)), expected, source);
  }
});

t.test('without a related lookup, related records are missing', async (t) => {
  t.equal(evaluate(parse('author.email = null'), row, ctx(user, false)), true);
  t.equal(evaluate(parse("editors.role = 'user'"), row, ctx(user, false)), false);
});

t.test('accepts undecoded 0/1 booleans', async (t) => {
  t.equal(evaluate(parse('published'), { ...row, published: 1 }, ctx(user)), true);
  t.equal(evaluate(parse('published = false'), { ...row, published: 0 }, ctx(user)), true);
});

t.test('validates like check', async (t) => {
  t.throws(() => evaluate(parse('nope = 1'), row, ctx(user)), /unknown field 'nope' at column 1/);
});
