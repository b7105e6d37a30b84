import t from 'tap';
import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { normalizeCollection } from './collection.ts';
import { RecordValidationError } from './errors.ts';
import { validateRecord } from './record.ts';
import { parseIsoDate } from './values.ts';

/** A one-field collection, normalized like the server would store it. */
const one = (f: Partial<FieldDefinition> & { type: FieldDefinition['type'] }): CollectionDefinition =>
  normalizeCollection({ name: 'things', fields: [{ name: 'v', ...f }] });

/** The per-field errors, or the stored values when valid. */
function run(def: CollectionDefinition, input: Record<string, unknown>, mode: 'create' | 'update' = 'update') {
  try {
    return { ok: validateRecord(def, input, mode) };
  } catch (e) {
    if (!(e instanceof RecordValidationError)) throw e;
    return { errors: Object.fromEntries(Object.entries(e.details.fields).map(([k, v]) => [k, v.code])) };
  }
}

const big = 'x'.repeat(1024 * 1024 + 1);
const now = new Date('2024-05-01T10:00:00.000Z');

// [description, field, value, expected stored value | { error: code }]
type Case = [string, Partial<FieldDefinition> & { type: FieldDefinition['type'] }, unknown, unknown];
const err = (code: string) => ({ error: code });
const cases: Case[] = [
  // text
  ['text', { type: 'text' }, 'hello', 'hello'],
  ['text empty', { type: 'text' }, '', ''],
  ['text not a string', { type: 'text' }, 3, err('invalid_type')],
  ['text min', { type: 'text', min: 3 }, 'ab', err('too_short')],
  ['text max counts characters', { type: 'text', max: 2 }, '😀😀', '😀😀'],
  ['text max', { type: 'text', max: 2 }, 'abc', err('too_long')],
  ['text pattern must match fully', { type: 'text', pattern: '[a-z]+' }, 'abc1', err('pattern_mismatch')],
  ['text pattern', { type: 'text', pattern: '[a-z]+|x' }, 'abc', 'abc'],
  ['text 1 MiB cap', { type: 'text' }, big, err('too_long')],
  ['text max replaces the cap', { type: 'text', max: 2_000_000 }, big, big],
  ['required text empty', { type: 'text', required: true }, '', err('required')],
  // email
  ['email', { type: 'email' }, 'a.b+c@example.co.uk', 'a.b+c@example.co.uk'],
  ['email without domain dot', { type: 'email' }, 'a@localhost', err('invalid_email')],
  ['email with space', { type: 'email' }, 'a b@example.com', err('invalid_email')],
  ['email two @', { type: 'email' }, 'a@b@example.com', err('invalid_email')],
  ['email not a string', { type: 'email' }, {}, err('invalid_type')],
  ['required email empty', { type: 'email', required: true }, '', err('required')],
  // url
  ['url', { type: 'url' }, 'https://example.com/a?b=c', 'https://example.com/a?b=c'],
  ['url http', { type: 'url' }, 'http://localhost:3000', 'http://localhost:3000'],
  ['url javascript', { type: 'url' }, 'javascript:alert(1)', err('invalid_url')],
  ['url ftp', { type: 'url' }, 'ftp://example.com', err('invalid_url')],
  ['url relative', { type: 'url' }, '/a/b', err('invalid_url')],
  ['url with whitespace', { type: 'url' }, ' https://example.com', err('invalid_url')],
  ['url max', { type: 'url', max: 10 }, 'https://example.com', err('too_long')],
  // number
  ['number', { type: 'number' }, 1.5, 1.5],
  ['number string', { type: 'number' }, '1.5', err('invalid_type')],
  ['number NaN', { type: 'number' }, NaN, err('invalid_type')],
  ['number Infinity', { type: 'number' }, Infinity, err('invalid_type')],
  ['number min', { type: 'number', min: 0 }, -0.1, err('too_small')],
  ['number max', { type: 'number', max: 10 }, 10.1, err('too_large')],
  ['number bounds inclusive', { type: 'number', min: 0, max: 10 }, 10, 10],
  ['number -0', { type: 'number' }, -0, 0],
  // integer
  ['integer', { type: 'integer' }, 42, 42],
  ['integer fraction', { type: 'integer' }, 1.5, err('invalid_type')],
  ['integer unsafe', { type: 'integer' }, 2 ** 53, err('invalid_type')],
  ['integer max', { type: 'integer', max: 3 }, 4, err('too_large')],
  // boolean
  ['boolean', { type: 'boolean' }, false, false],
  ['boolean 1', { type: 'boolean' }, 1, err('invalid_type')],
  ['boolean "true"', { type: 'boolean' }, 'true', err('invalid_type')],
  // date
  ['date Z', { type: 'date' }, '2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
  ['date offset', { type: 'date' }, '2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
  ['date only is UTC', { type: 'date' }, '2024-05-01', '2024-05-01T00:00:00.000Z'],
  ['date without offset is UTC', { type: 'date' }, '2024-05-01 10:00', '2024-05-01T10:00:00.000Z'],
  ['date micros truncated', { type: 'date' }, '2024-05-01T10:00:00.123456Z', '2024-05-01T10:00:00.123Z'],
  ['date Date object', { type: 'date' }, now, '2024-05-01T10:00:00.000Z'],
  ['date not ISO', { type: 'date' }, 'May 1, 2024', err('invalid_date')],
  ['date impossible day', { type: 'date' }, '2023-02-29', err('invalid_date')],
  ['date hour 24', { type: 'date' }, '2024-05-01T24:00:00Z', err('invalid_date')],
  ['date number', { type: 'date' }, 1714557600000, err('invalid_date')],
  ['date min', { type: 'date', min: '2024-01-01' }, '2023-12-31T23:59:59Z', err('too_small')],
  ['date max', { type: 'date', max: '2024-01-01' }, '2024-01-01T00:00:00.001Z', err('too_large')],
  // json
  ['json object', { type: 'json' }, { a: [1, 'x', null, { b: true }] }, { a: [1, 'x', null, { b: true }] }],
  ['json string', { type: 'json' }, 'x', 'x'],
  ['json NaN inside', { type: 'json' }, { a: NaN }, err('invalid_type')],
  ['json undefined inside', { type: 'json' }, { a: undefined }, err('invalid_type')],
  ['json Date inside', { type: 'json' }, [new Date()], err('invalid_type')],
  ['json too big', { type: 'json' }, { s: big }, err('too_large')],
  ['json too deep', { type: 'json' }, JSON.parse('['.repeat(200) + ']'.repeat(200)), err('invalid_type')],
  // select
  ['select', { type: 'select', values: ['a', 'b'] }, 'b', 'b'],
  ['select other', { type: 'select', values: ['a', 'b'] }, 'c', err('invalid_value')],
  ['select not a string', { type: 'select', values: ['a', 'b'] }, 1, err('invalid_type')],
  ['select multiple dedupes', { type: 'select', values: ['a', 'b'], multiple: true }, ['b', 'a', 'b'], ['b', 'a']],
  ['select multiple not an array', { type: 'select', values: ['a'], multiple: true }, 'a', err('invalid_type')],
  ['select multiple bad item', { type: 'select', values: ['a'], multiple: true }, ['a', 'z'], err('invalid_value')],
  ['select multiple min', { type: 'select', values: ['a', 'b'], multiple: true, min: 2 }, ['a', 'a'], err('too_few')],
  ['select multiple max', { type: 'select', values: ['a', 'b'], multiple: true, max: 1 }, ['a', 'b'], err('too_many')],
  ['required multiple empty', { type: 'select', values: ['a'], multiple: true, required: true }, [], err('required')],
  // relation
  ['relation', { type: 'relation', collection: 'users' }, 'u_123-ABC', 'u_123-ABC'],
  ['relation bad id', { type: 'relation', collection: 'users' }, 'a b', err('invalid_id')],
  ['relation empty', { type: 'relation', collection: 'users' }, '', err('invalid_id')],
  ['relation multiple', { type: 'relation', collection: 'posts', multiple: true }, ['a', 'b', 'a'], ['a', 'b']],
  ['relation multiple bad', { type: 'relation', collection: 'posts', multiple: true }, ['a', 7], err('invalid_id')],
  // file
  ['file', { type: 'file' }, 'avatars/u1/me.png', 'avatars/u1/me.png'],
  ['file empty', { type: 'file' }, '', err('invalid_type')],
  ['file NUL', { type: 'file' }, 'a\0b', err('nul_character')],
  ['text NUL', { type: 'text' }, 'a\0b', err('nul_character')],
  ['text lone surrogate', { type: 'text' }, 'a\ud800', err('lone_surrogate')],
  ['json NUL key', { type: 'json' }, { 'a\0': 1 }, err('nul_character')],
  ['text surrogate pair', { type: 'text' }, '\ud83d\ude00', '\ud83d\ude00'],
  ['file too long', { type: 'file' }, 'a'.repeat(1025), err('invalid_type')],
  ['file multiple', { type: 'file', multiple: true }, ['a', 'b'], ['a', 'b']],
  // null
  ['null when nullable', { type: 'text' }, null, null],
  ['null when required', { type: 'number', required: true }, null, err('required')],
  ['null when not nullable', { type: 'boolean', nullable: false }, null, err('not_nullable')],
  ['null for multiple', { type: 'file', multiple: true }, null, null],
];

for (const [name, f, value, expected] of cases) {
  t.test(name, async (t) => {
    const got = run(one(f), { v: value });
    if (expected !== null && typeof expected === 'object' && 'error' in expected) {
      t.same(got, { errors: { v: (expected as { error: string }).error } });
    } else {
      t.same(got, { ok: { v: expected } });
    }
  });
}

t.test('create applies defaults and nulls', async (t) => {
  const def = normalizeCollection({
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'status', type: 'select', values: ['draft', 'live'], default: 'draft' },
      { name: 'meta', type: 'json', default: { n: 1 } },
      { name: 'tags', type: 'select', values: ['a'], multiple: true, default: ['a'] },
      { name: 'note', type: 'text' },
      { name: 'flag', type: 'boolean', required: true, default: false },
    ],
  });
  const a = run(def, { title: 'x' }, 'create');
  t.same(a, { ok: { title: 'x', status: 'draft', meta: { n: 1 }, tags: ['a'], note: null, flag: false } });
  // Defaults are copies: mutating one stored value must not change the definition.
  ((a.ok as { meta: { n: number } }).meta).n = 2;
  t.same(def.fields[2].default, { n: 1 });
  t.same(run(def, { title: 'x', status: 'live', flag: true, id: 'client_id-1' }, 'create'), {
    ok: { title: 'x', status: 'live', flag: true, id: 'client_id-1', meta: { n: 1 }, tags: ['a'], note: null },
  });
  t.same(run(def, { status: null }, 'create'), { errors: { title: 'required' } }, 'an explicit null beats the default only when allowed');
});

t.test('every bad key is listed', async (t) => {
  const def = normalizeCollection({
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'n', type: 'integer' },
      { name: 'strict', type: 'text', nullable: false },
    ],
  });
  t.same(run(def, { n: 'x', nope: 1, expand: {}, created_at: 'x', updated_at: 'y', id: 'bad id' }, 'create'), {
    errors: {
      n: 'invalid_type', nope: 'unknown_field', expand: 'unknown_field', created_at: 'read_only',
      updated_at: 'read_only', id: 'invalid_id', title: 'required', strict: 'required',
    },
  });
  const e = (() => { try { validateRecord(def, { nope: 1 }, 'create'); } catch (e) { return e as RecordValidationError; } })();
  t.equal(e?.code, 'validation_failed');
  t.equal(e?.details.fields.nope.message, "is not a field of 'posts'");
  t.match(e?.message, /nope: is not a field/);
});

t.test('update is partial', async (t) => {
  const def = normalizeCollection({
    name: 'posts',
    fields: [{ name: 'title', type: 'text', required: true }, { name: 'n', type: 'integer', default: 5 }],
  });
  t.same(run(def, {}, 'update'), { ok: {} });
  t.same(run(def, { n: 1 }, 'update'), { ok: { n: 1 } }, 'no defaults, no required check for absent keys');
  t.same(run(def, { title: null }, 'update'), { errors: { title: 'required' } });
  t.same(run(def, { title: '' }, 'update'), { errors: { title: 'required' } });
  t.same(run(def, { id: 'x' }, 'update'), { errors: { id: 'read_only' } });
  t.same(run(def, { n: undefined }, 'update'), { ok: {} }, 'undefined counts as absent');
});

t.test('prototype names are ordinary keys', async (t) => {
  const def = normalizeCollection({ name: 'a', fields: [{ name: 'constructor', type: 'text', required: true }] });
  t.same(run(def, {}, 'create'), { errors: { constructor: 'required' } });
  t.same(run(def, JSON.parse('{"__proto__": 1, "constructor": "x"}'), 'create'), { errors: JSON.parse('{"__proto__": "unknown_field"}') });
  const got = run(def, JSON.parse('{"__proto__": 1, "constructor": "x"}'), 'create');
  t.ok(got.errors && Object.hasOwn(got.errors, '__proto__'), '__proto__ is reported as an own key');
});

t.test('a body that is not an object', async (t) => {
  const def = one({ type: 'text' });
  t.throws(() => validateRecord(def, [] as unknown as Record<string, unknown>, 'create'), RecordValidationError);
  t.throws(() => validateRecord(def, null as unknown as Record<string, unknown>, 'create'), RecordValidationError);
});

t.test('parseIsoDate edge cases', async (t) => {
  t.equal(parseIsoDate('0001-01-01')?.toISOString(), '0001-01-01T00:00:00.000Z', 'years below 100 are not 19xx');
  t.equal(parseIsoDate('9999-12-31T23:59:59.999Z')?.toISOString(), '9999-12-31T23:59:59.999Z');
  t.equal(parseIsoDate('9999-12-31T23:00:00-02:00'), null, 'pushed past 9999 by the offset');
  t.equal(parseIsoDate('2024-05-01T10:00:00+0530')?.toISOString(), '2024-05-01T04:30:00.000Z');
  t.equal(parseIsoDate('2024-13-01'), null);
  t.equal(parseIsoDate('2024-1-01'), null);
});
