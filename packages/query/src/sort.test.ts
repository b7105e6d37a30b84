import t from 'tap';
import { parseSort, QueryError } from './index.ts';

const known = new Set(['title', 'created_at', 'count']);
const exists = (name: string) => known.has(name);

t.test('parses sort keys', async (t) => {
  t.same(parseSort('', exists), []);
  t.same(parseSort('  ', exists), []);
  t.same(parseSort('title', exists), [{ field: 'title', desc: false }]);
  t.same(parseSort('-created_at,title', exists), [
    { field: 'created_at', desc: true },
    { field: 'title', desc: false },
  ]);
  t.same(parseSort(' +count , -title ', exists), [
    { field: 'count', desc: false },
    { field: 'title', desc: true },
  ]);
});

const bad: Array<[string, string, number]> = [
  ['titel', "unknown field 'titel'", 0],
  ['title,-nope', "unknown field 'nope'", 7],
  ['title,,count', 'expected a field name', 6],
  ['title,', 'expected a field name', 6],
  ['-', 'invalid sort field ""', 1],
  ['author.name', 'invalid sort field "author.name"', 0],
  ['title desc', 'invalid sort field "title desc"', 0],
  ['title,-title', "field 'title' is sorted twice", 7],
];

t.test('refuses bad sorts with positions', async (t) => {
  for (const [source, reason, position] of bad) {
    try {
      parseSort(source, exists);
      t.fail(`no error for ${source}`);
    } catch (err) {
      t.ok(err instanceof QueryError, source);
      t.equal((err as QueryError).reason, reason, source);
      t.equal((err as QueryError).position, position, `${source}: position`);
    }
  }
});
