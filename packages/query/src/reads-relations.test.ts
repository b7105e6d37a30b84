import t from 'tap';
import { bind, parse, readsRelations } from './index.ts';
import { fixtureSchema as schema } from './test-fixture.ts';

// Each row: an expression over the fixture's posts, and whether it crosses a relation.
const cases: Array<[string, boolean]> = [
  ["title = 'a'", false],
  ['auth.id != null && auth.id = id', false],
  ["author.role = 'x'", true],
  ["!(title = 'a' || (length(author.id) > 0) = true)", true],
  ["lower(title) = 'a'", false],
];

for (const [source, expected] of cases) {
  t.equal(readsRelations(bind(parse(source), { schema, collection: 'posts' })), expected, source);
}
