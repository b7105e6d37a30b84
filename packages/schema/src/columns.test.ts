import t from 'tap';
import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { columnType, fromColumnValue, rowToRecord, toColumnValue, type Dialect } from './columns.ts';

type F = Partial<FieldDefinition> & { type: FieldDefinition['type'] };
const f = (x: F): FieldDefinition => ({ name: 'v', ...x });

// [field, sqlite type, postgres type]
const types: Array<[F, string, string]> = [
  [{ type: 'text' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'email' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'url' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'date' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'select', values: ['a'] }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'relation', collection: 'users' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'file' }, 'TEXT', 'text COLLATE "C"'],
  [{ type: 'number' }, 'REAL', 'double precision'],
  [{ type: 'integer' }, 'INTEGER', 'bigint'],
  [{ type: 'boolean' }, 'INTEGER', 'boolean'],
  [{ type: 'json' }, 'TEXT', 'jsonb'],
  [{ type: 'select', values: ['a'], multiple: true }, 'TEXT', 'jsonb'],
  [{ type: 'relation', collection: 'users', multiple: true }, 'TEXT', 'jsonb'],
  [{ type: 'file', multiple: true }, 'TEXT', 'jsonb'],
];

for (const [field, sqlite, postgres] of types) {
  t.test(`columnType ${JSON.stringify(field)}`, async (t) => {
    t.equal(columnType(f(field), 'sqlite'), sqlite);
    t.equal(columnType(f(field), 'postgres'), postgres);
  });
}

/**
 * What the drivers hand back for a bound value: better-sqlite3 returns what it
 * stored (numbers and text); node-postgres parses jsonb and returns int8 as a
 * string.
 */
function driver(field: FieldDefinition, bound: unknown, dialect: Dialect): unknown {
  if (bound === null) return null;
  if (dialect === 'sqlite') return bound;
  if (columnType(field, 'postgres') === 'jsonb') return JSON.parse(bound as string);
  if (field.type === 'integer') return String(bound);
  return bound;
}

// [field, API value, sqlite bound value, postgres bound value]
const values: Array<[F, unknown, unknown, unknown]> = [
  [{ type: 'text' }, 'héllo', 'héllo', 'héllo'],
  [{ type: 'number' }, 1.25, 1.25, 1.25],
  [{ type: 'integer' }, 2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1],
  [{ type: 'boolean' }, true, 1, true],
  [{ type: 'boolean' }, false, 0, false],
  [{ type: 'date' }, '2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z'],
  [{ type: 'json' }, { a: [1, null, 'x'] }, '{"a":[1,null,"x"]}', '{"a":[1,null,"x"]}'],
  [{ type: 'json' }, 'just a string', '"just a string"', '"just a string"'],
  [{ type: 'json' }, [1, 2], '[1,2]', '[1,2]'],
  [{ type: 'json' }, false, 'false', 'false'],
  [{ type: 'select', values: ['a', 'b'], multiple: true }, ['a', 'b'], '["a","b"]', '["a","b"]'],
  [{ type: 'relation', collection: 'users', multiple: true }, [], '[]', '[]'],
  [{ type: 'text' }, null, null, null],
  [{ type: 'json' }, null, null, null],
];

for (const [x, api, sqliteBound, pgBound] of values) {
  t.test(`round trip ${x.type}${x.multiple ? '[]' : ''} ${JSON.stringify(api)}`, async (t) => {
    const field = f(x);
    for (const [dialect, bound] of [['sqlite', sqliteBound], ['postgres', pgBound]] as const) {
      const toDb = toColumnValue(field, api, dialect);
      t.same(toDb, bound, `${dialect}: bound value`);
      t.same(fromColumnValue(field, driver(field, toDb, dialect), dialect), api, `${dialect}: read back`);
    }
  });
}

t.test('driver variations are tolerated', async (t) => {
  t.equal(fromColumnValue(f({ type: 'integer' }), 5n, 'sqlite'), 5, 'better-sqlite3 safeIntegers');
  t.equal(fromColumnValue(f({ type: 'boolean' }), 1n, 'sqlite'), true);
  t.equal(fromColumnValue(f({ type: 'integer' }), '9007199254740991', 'postgres'), 2 ** 53 - 1, 'int8 as string');
  t.same(fromColumnValue(f({ type: 'file', multiple: true }), '["a"]', 'postgres'), ['a'], 'jsonb left as text');
  t.equal(fromColumnValue(f({ type: 'json' }), 'text', 'postgres'), 'text', 'a json string stays a string');
  t.equal(fromColumnValue(f({ type: 'date' }), new Date('2024-05-01T10:00:00Z'), 'postgres'), '2024-05-01T10:00:00.000Z');
  t.equal(toColumnValue(f({ type: 'text' }), undefined, 'sqlite'), null);
});

const collection = (fields: FieldDefinition[]): CollectionDefinition =>
  ({ name: 'c', fields, rules: {}, indexes: [] }) as unknown as CollectionDefinition;

t.test('rowToRecord decodes each field as fromColumnValue does, on both dialects', async (t) => {
  const fields = values.map(([x], i) => ({ ...f(x), name: `f${i}` }));
  const def = collection(fields);
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const row: Record<string, unknown> = { id: 'r1', created_at: 'c', updated_at: 'u' };
    values.forEach(([, api], i) => (row[`f${i}`] = driver(fields[i], toColumnValue(fields[i], api, dialect), dialect)));
    const expected: Record<string, unknown> = { id: 'r1', created_at: 'c', updated_at: 'u' };
    values.forEach(([, api], i) => (expected[`f${i}`] = api));
    t.strictSame(rowToRecord(def, row, dialect), expected, dialect);
    t.strictSame(rowToRecord(def, { id: 'r1', created_at: 'c', updated_at: 'u' }, dialect).f0, null, `${dialect}: a missing column reads as null`);
  }
  t.equal(rowToRecord(collection([f({ type: 'integer' })]), { v: 5n }, 'sqlite').v, 5, 'safeIntegers bigint');
});

t.test('rowToRecord follows a schema change: a new definition decodes with its own fields', async (t) => {
  const before = collection([{ ...f({ type: 'text' }), name: 'a' }, { ...f({ type: 'boolean' }), name: 'b' }]);
  const row = { id: 'r', created_at: 'c', updated_at: 'u', a: 'x', b: 1, n: 7 };
  t.strictSame(rowToRecord(before, row, 'sqlite'), { id: 'r', created_at: 'c', updated_at: 'u', a: 'x', b: true });
  // What a schema change gives: a new definition object (a field dropped, one added).
  const after = collection([{ ...f({ type: 'boolean' }), name: 'b' }, { ...f({ type: 'integer' }), name: 'n' }]);
  t.strictSame(rowToRecord(after, row, 'sqlite'), { id: 'r', created_at: 'c', updated_at: 'u', b: true, n: 7 });
  t.strictSame(rowToRecord(before, row, 'sqlite'), { id: 'r', created_at: 'c', updated_at: 'u', a: 'x', b: true }, 'the old definition still decodes as before');
});
