/**
 * The value model and the comparison semantics shared by the in-memory evaluator and
 * by the SQL compiler (which folds constant comparisons with these very functions and
 * mirrors them in SQL for columns). Two-valued logic: every comparison is true or false.
 */
import type { CompareOp } from './ast.ts';
import type { Env } from './index.ts';

/**
 * A typed runtime value. `multi` is a many-valued field (JSON array of strings), `json`
 * an opaque JSON field, `list` a literal list or an array from the environment,
 * `other` anything that compares false (objects, non-finite numbers, wrong types).
 */
export type Value =
  | { t: 'null' }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'boolean'; v: boolean }
  | { t: 'list'; items: Value[] }
  | { t: 'multi'; items: unknown[] }
  | { t: 'json' }
  | { t: 'other' };

/** The column types a field can have, as the compiler sees them. */
export type ColumnType = 'string' | 'number' | 'boolean' | 'multi' | 'json';

/** The null value. */
export const NULL: Value = { t: 'null' };
/** The true value. */
export const TRUE: Value = { t: 'boolean', v: true };
const OTHER: Value = { t: 'other' };

/** Types a dynamically typed value (environment data: auth.data.*, request.data.*). */
export function fromJs(value: unknown): Value {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'string') return { t: 'string', v: value };
  if (typeof value === 'number') return Number.isFinite(value) ? { t: 'number', v: value } : OTHER;
  if (typeof value === 'boolean') return { t: 'boolean', v: value };
  if (Array.isArray(value)) return { t: 'list', items: value.map(fromJs) };
  return OTHER;
}

/**
 * Types a value read from a record field of a known column type. A value that does not
 * fit the type (which a decoded record should never hold) becomes `other`.
 * Booleans also accept 0/1 so undecoded SQLite rows still evaluate correctly.
 */
export function fromColumn(value: unknown, type: ColumnType): Value {
  if (value === null || value === undefined) return NULL;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { t: 'string', v: value } : OTHER;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { t: 'number', v: value } : OTHER;
    case 'boolean':
      if (typeof value === 'boolean') return { t: 'boolean', v: value };
      return value === 0 || value === 1 ? { t: 'boolean', v: value === 1 } : OTHER;
    case 'multi':
      return Array.isArray(value) ? { t: 'multi', items: value } : OTHER;
    case 'json':
      return { t: 'json' };
  }
}

const isScalar = (v: Value): v is Extract<Value, { t: 'string' | 'number' | 'boolean' }> =>
  v.t === 'string' || v.t === 'number' || v.t === 'boolean';

/** Null-safe equality: null = null; values of different types are never equal. */
export function equals(a: Value, b: Value): boolean {
  if (a.t === 'null' || b.t === 'null') return a.t === b.t;
  return isScalar(a) && isScalar(b) && a.t === b.t && a.v === b.v;
}

/**
 * Orders strings by Unicode code point, which is UTF-8 byte order: what SQLite's BINARY
 * collation and PostgreSQL's "C" collation do. Plain `<` on JS strings compares UTF-16
 * code units, which differs when a surrogate pair meets a character in U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** `< <= > >=`: only two strings or two numbers compare; anything else (null included) is false. */
export function orders(op: '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  let c: number;
  if (a.t === 'string' && b.t === 'string') c = compareStrings(a.v, b.v);
  else if (a.t === 'number' && b.t === 'number') c = a.v - b.v;
  else return false;
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Lower-cases ASCII letters only: exactly what SQLite's built-in lower() does. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** `~` (negate = `!~`): case-insensitive (ASCII) containment of two strings; false otherwise. */
export function contains(a: Value, b: Value, negate: boolean): boolean {
  if (a.t !== 'string' || b.t !== 'string') return false;
  return asciiLower(a.v).includes(asciiLower(b.v)) !== negate;
}

/**
 * `a in b`: for a list, some item equals `a` (null-safe, so `null in [null]`); for a
 * many-valued field, the field's array holds the string `a`. False for anything else.
 */
export function member(a: Value, b: Value): boolean {
  if (b.t === 'list') return b.items.some((item) => equals(a, item));
  if (b.t === 'multi') return a.t === 'string' && b.items.includes(a.v);
  return false;
}

/** Applies a comparison operator with the language's two-valued semantics. */
export function compare(op: CompareOp, a: Value, b: Value): boolean {
  switch (op) {
    case '=':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return orders(op, a, b);
    case '~':
      return contains(a, b, false);
    case '!~':
      return contains(a, b, true);
    case 'in':
      return member(a, b);
  }
}

/** `length(x)`: characters (code points) of a string, items of a list or many-valued field; 0 for null. */
export function lengthOf(a: Value): Value {
  switch (a.t) {
    case 'null':
      return { t: 'number', v: 0 };
    case 'string': {
      let n = 0;
      for (let i = 0; i < a.v.length; i++) {
        const c = a.v.charCodeAt(i);
        if (!(c >= 0xdc00 && c <= 0xdfff)) n++; // low surrogates belong to the previous code point
      }
      return { t: 'number', v: n };
    }
    case 'list':
    case 'multi':
      return { t: 'number', v: a.items.length };
    default:
      return OTHER;
  }
}

/** `lower(x)`: ASCII lower case of a string; null stays null. */
export function lowerOf(a: Value): Value {
  if (a.t === 'null') return NULL;
  return a.t === 'string' ? { t: 'string', v: asciiLower(a.v) } : OTHER;
}

/**
 * `segment(text, n)`: the n-th (from 0) of the `/`-separated parts of a text,
 * null when there are fewer (the empty text has none). Lets a rule read the
 * folders of a path: `segment(object.path, 0) = auth.id`.
 */
export function segmentOf(a: Value, n: number): Value {
  if (a.t === 'null') return NULL;
  if (a.t !== 'string') return OTHER;
  if (a.v === '') return NULL;
  const part = a.v.split('/')[n];
  return part === undefined ? NULL : { t: 'string', v: part };
}

/**
 * Reads an environment path (`auth.*`, `request.data.*`, `now`). A guest's auth is null,
 * so every `auth.*` is null. Only own properties are followed, so `request.data.__proto__`
 * or `auth.data.constructor` cannot reach the prototype chain.
 */
export function envValue(env: Env, path: readonly string[]): unknown {
  const [root, key, ...rest] = path;
  let current: unknown;
  if (root === 'now') return env.now;
  if (root === 'auth') {
    const auth = env.auth;
    if (!auth) return null;
    switch (key) {
      case 'id':
        return auth.id;
      case 'email':
        return auth.email ?? null;
      case 'verified':
        return auth.verified ?? false;
      case 'anonymous':
        return auth.anonymous ?? false;
      case 'role':
        return auth.role ?? null;
      case 'data':
        current = auth.data ?? null;
        break;
      default:
        return null;
    }
  } else if (root === 'request' && key === 'data') {
    current = env.request?.data ?? null;
  } else {
    return null;
  }
  for (const name of rest) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, name)) return null;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}
