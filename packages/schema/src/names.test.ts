import t from 'tap';
import { checkName, isValidName, namePattern, reservedCollectionNames, reservedFieldNames } from './names.ts';

const cases: Array<[name: unknown, kind: 'collection' | 'field', code: string | null]> = [
  ['posts', 'collection', null],
  ['a', 'field', null],
  ['post_tags_2', 'collection', null],
  ['a'.repeat(63), 'field', null],
  ['a'.repeat(64), 'field', 'invalid_name'],
  ['', 'field', 'invalid_name'],
  ['Posts', 'collection', 'invalid_name'],
  ['_private', 'collection', 'invalid_name'],
  ['1abc', 'field', 'invalid_name'],
  ['a-b', 'field', 'invalid_name'],
  ['title; drop table x', 'field', 'invalid_name'],
  ['"quoted"', 'field', 'invalid_name'],
  ['naïve', 'field', 'invalid_name'],
  ['title\n', 'field', 'invalid_name'],
  [42, 'field', 'invalid_type'],
  [null, 'collection', 'invalid_type'],
  ['select', 'field', 'reserved_name'],
  ['order', 'collection', 'reserved_name'],
  ['group', 'field', 'reserved_name'],
  ['index', 'field', 'reserved_name'],
  ['id', 'field', 'reserved_name'],
  ['created_at', 'field', 'reserved_name'],
  ['expand', 'field', 'reserved_name'],
  ['auth', 'field', 'reserved_name'],
  ['null', 'field', 'reserved_name'],
  ['in', 'field', 'reserved_name'],
  ['users', 'collection', 'reserved_name'],
  ['users', 'field', null],
  ['user_profiles', 'collection', null],
];

for (const [name, kind, code] of cases) {
  t.test(`${JSON.stringify(name)} as ${kind}`, async (t) => {
    const problem = checkName(name, kind);
    t.equal(problem?.code ?? null, code);
    t.equal(isValidName(name, kind), code === null);
    if (problem) t.ok(problem.message.length > 0, 'has a message');
  });
}

t.test('the lists are consistent with the pattern', async (t) => {
  for (const word of reservedCollectionNames) t.match(word, namePattern, `${word} would pass the pattern`);
  t.ok(reservedFieldNames.every((w) => reservedCollectionNames.includes(w)), 'collections reserve at least the field words');
  t.equal(isValidName('title'), true, 'kind defaults to field');
});

t.test('the message names the reserved word', async (t) => {
  t.match(checkName('where', 'field')?.message, /'where' is a reserved word/);
  t.match(checkName('users', 'collection')?.message, /built-in users/);
});
