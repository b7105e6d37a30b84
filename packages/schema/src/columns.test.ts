import t from 'tap';
import type { FieldDefinition } from '@baas/protocol';
import { columnType, fromColumnValue, toColumnValue, type Dialect } from './columns.ts';

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
