import { unstorableText, type FieldDefinition } from '@baas/protocol';
import { RE2JS } from 're2js';

/**
 * Checks of single field values, shared by record validation and by
 * normalizeCollection (a field's `default` must itself be a valid value).
 */

/** Record ids: URL-safe, so a client may supply one for offline creation. */
export const recordIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Text values are capped at 1 MiB (UTF-8) unless the field sets its own `max`. */
export const maxTextBytes = 1024 * 1024;

/** A json value may serialize to at most 1 MiB. */
export const maxJsonBytes = 1024 * 1024;

/** Deepest nesting of a json value; SQLite's JSON functions give up at 1000. */
export const maxJsonDepth = 100;

/** File values are storage paths. */
export const maxFilePathLength = 1024;

/** The outcome of checking one value. @internal */
export type ValueCheck =
  | { ok: true; value: unknown }
  | { ok: false; code: string; message: string };

const fail = (code: string, message: string): ValueCheck => ({ ok: false, code, message });
const pass = (value: unknown): ValueCheck => ({ ok: true, value });

/** Whether a field accepts null: explicit `nullable`, else "unless required". */
export function isNullable(field: FieldDefinition): boolean {
  return field.nullable ?? !field.required;
}

/**
 * The HTML living standard's email check (what `<input type=email>` accepts),
 * tightened to require a dot in the domain: `a@localhost` is almost always a
 * typo in an app's data.
 */
const emailPattern =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** ISO 8601 date or date-time; a space may replace the `T` (SQL habit). */
const isoDatePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Parses an ISO 8601 date or date-time. A date-time without an offset is taken
 * as UTC: `Date` would use the server's local zone, and then two servers would
 * store different instants for the same request. Years are limited to
 * 0000-9999 so the stored `toISOString()` form always sorts as text.
 * Returns null when the string is not such a date.
 */
export function parseIsoDate(text: string): Date | null {
  const m = isoDatePattern.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const year = +y, month = +mo, day = +d, hour = +h, minute = +mi, second = +s;
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (hour > 23 || minute > 59 || second > 59 || +oh > 23 || +om > 59) return null;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  // 2024-02-30 would roll over to March: refuse instead of guessing.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return null;
  if (sign) {
    const offset = (+oh * 60 + +om) * 60_000;
    date.setTime(date.getTime() - (sign === '+' ? offset : -offset));
  }
  // An offset can push 0000-01-01 or 9999-12-31 outside the sortable range.
  if (date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0) return null;
  return date;
}

/** Compiled `pattern` options, keyed by source; bounded so odd schemas cannot grow it forever. */
const patternCache = new Map<string, RE2JS>();

/**
 * Compiles a text field's `pattern` so it must match the whole value. RE2
 * (re2js, pure JavaScript), never JavaScript's RegExp: a pattern is chosen by
 * whoever defines the collection and run on every guest's input, and a
 * backtracking engine takes exponential time on patterns like `([a-z0-9]+)+`
 * (seconds for 30 characters, blocking the whole server). RE2 matches in time
 * linear in the input, and refuses what it cannot do that way (backreferences,
 * lookaround) when the pattern is defined.
 * Throws SyntaxError when RE2 cannot compile the pattern.
 */
export function compilePattern(pattern: string): RE2JS {
  let re = patternCache.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(`^(?:${pattern})$`);
    } catch (err) {
      throw new SyntaxError((err as Error).message.replace(/^error parsing regexp: /, ''));
    }
    if (patternCache.size >= 1000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

/** Whether `v` matches the pattern; a stored pattern RE2 cannot compile (from before RE2) matches nothing. */
function matchesPattern(pattern: string, v: string): boolean {
  try {
    return compilePattern(pattern).matches(v);
  } catch {
    return false;
  }
}

/** Whether `v` is a plain JSON value (no NaN, undefined, Date, Map, cycles...). */
function isJsonValue(v: unknown, depth: number): boolean {
  if (depth > maxJsonDepth) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v).every((x) => isJsonValue(x, depth + 1));
  }
  return false;
}

/** The first string (value or key) in a JSON value that no engine stores faithfully. */
function jsonTextProblem(v: unknown): ReturnType<typeof unstorableText> {
  if (typeof v === 'string') return unstorableText(v);
  if (v === null || typeof v !== 'object') return null;
  for (const [key, item] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
    const problem = (typeof key === 'string' ? unstorableText(key) : null) ?? jsonTextProblem(item);
    if (problem) return problem;
  }
  return null;
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** One item of a (possibly multiple) field, never null. */
function checkItem(field: FieldDefinition, v: unknown): ValueCheck {
  switch (field.type) {
    case 'text':
    case 'email':
    case 'url': {
      if (typeof v !== 'string') return fail('invalid_type', 'must be a string');
      const unstorable = unstorableText(v);
      if (unstorable) return fail(unstorable.code, unstorable.message);
      // Code points, not UTF-16 units: an emoji is one character to a user.
      if (field.max === undefined && Buffer.byteLength(v, 'utf8') > maxTextBytes) {
        return fail('too_long', `must be at most ${maxTextBytes} bytes`);
      }
      const len = typeof field.min === 'number' || typeof field.max === 'number' ? codePoints(v) : 0;
      if (typeof field.min === 'number' && len < field.min) {
        return fail('too_short', `must be at least ${field.min} characters`);
      }
      if (typeof field.max === 'number' && len > field.max) {
        return fail('too_long', `must be at most ${field.max} characters`);
      }
      if (field.type === 'text') {
        if (field.pattern !== undefined && !matchesPattern(field.pattern, v)) {
          return fail('pattern_mismatch', 'does not match the required pattern');
        }
        return pass(v);
      }
      if (v === '') return pass(v); // empty is a value; `required` refuses it separately
      if (field.type === 'email') {
        const at = v.lastIndexOf('@');
        if (v.length > 254 || at > 64 || !emailPattern.test(v)) {
          return fail('invalid_email', 'must be an email address');
        }
        return pass(v);
      }
      // `new URL` silently strips whitespace and control characters: refuse
      // them so what is stored is exactly what was checked.
      if (/[\s\x00-\x1f\x7f]/.test(v)) return fail('invalid_url', 'must be an http(s) URL');
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        return fail('invalid_url', 'must be an http(s) URL');
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
        return fail('invalid_url', 'must be an http(s) URL');
      }
      return pass(v);
    }
    case 'number':
    case 'integer': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail('invalid_type', 'must be a finite number');
      if (field.type === 'integer' && !Number.isSafeInteger(v)) {
        return fail('invalid_type', 'must be an integer (at most 2^53-1 in magnitude)');
      }
      if (typeof field.min === 'number' && v < field.min) return fail('too_small', `must be at least ${field.min}`);
      if (typeof field.max === 'number' && v > field.max) return fail('too_large', `must be at most ${field.max}`);
      return pass(v === 0 ? 0 : v); // -0 is not JSON-stable
    }
    case 'boolean':
      return typeof v === 'boolean' ? pass(v) : fail('invalid_type', 'must be true or false');
    case 'date': {
      let date: Date | null = null;
      if (typeof v === 'string') date = parseIsoDate(v);
      else if (v instanceof Date && !Number.isNaN(v.getTime())) date = v;
      if (!date || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0) {
        return fail('invalid_date', 'must be an ISO 8601 date, e.g. 2024-05-01T12:00:00Z');
      }
      const t = date.getTime();
      if (typeof field.min === 'string' && t < Date.parse(field.min)) return fail('too_small', `must be at or after ${field.min}`);
      if (typeof field.max === 'string' && t > Date.parse(field.max)) return fail('too_large', `must be at or before ${field.max}`);
      return pass(date.toISOString());
    }
    case 'json': {
      if (!isJsonValue(v, 0)) return fail('invalid_type', `must be a JSON value (at most ${maxJsonDepth} levels deep)`);
      const unstorable = jsonTextProblem(v);
      if (unstorable) return fail(unstorable.code, `a string in it ${unstorable.message}`);
      const text = JSON.stringify(v);
      if (Buffer.byteLength(text, 'utf8') > maxJsonBytes) return fail('too_large', `must serialize to at most ${maxJsonBytes} bytes`);
      // A fresh copy: the caller's object may be mutated after validation.
      return pass(JSON.parse(text));
    }
    case 'select':
      if (typeof v !== 'string') return fail('invalid_type', 'must be a string');
      if (!field.values?.includes(v)) return fail('invalid_value', `must be one of: ${(field.values ?? []).join(', ')}`);
      return pass(v);
    case 'relation':
      if (typeof v !== 'string' || !recordIdPattern.test(v)) {
        return fail('invalid_id', 'must be a record id (1-64 characters of A-Z a-z 0-9 _ -)');
      }
      return pass(v);
    case 'file': {
      if (typeof v !== 'string' || v === '' || v.length > maxFilePathLength) {
        return fail('invalid_type', `must be a file path (1-${maxFilePathLength} characters)`);
      }
      const unstorable = unstorableText(v);
      return unstorable ? fail(unstorable.code, unstorable.message) : pass(v);
    }
    default:
      return fail('invalid_type', `unknown field type '${String((field as { type: unknown }).type)}'`);
  }
}

/** Whether a field holds a list (only select, relation and file may). */
export function isMultiple(field: FieldDefinition): boolean {
  return field.multiple === true && (field.type === 'select' || field.type === 'relation' || field.type === 'file');
}

/**
 * Checks one value for one field, including null, `required` and (for
 * multiple fields) the list itself. Returns the value to store.
 * @internal
 */
export function checkValue(field: FieldDefinition, v: unknown): ValueCheck {
  if (v === null || v === undefined) {
    if (field.required) return fail('required', 'is required');
    if (!isNullable(field)) return fail('not_nullable', 'may not be null');
    return pass(null);
  }
  if (isMultiple(field)) {
    if (!Array.isArray(v)) return fail('invalid_type', 'must be an array');
    const out: unknown[] = [];
    const seen = new Set<unknown>();
    for (let i = 0; i < v.length; i++) {
      const r = checkItem(field, v[i]);
      if (!r.ok) return fail(r.code, `item ${i}: ${r.message}`);
      // Duplicates carry no meaning in a set of tags or related ids.
      if (!seen.has(r.value)) {
        seen.add(r.value);
        out.push(r.value);
      }
    }
    if (field.required && out.length === 0) return fail('required', 'is required');
    if (typeof field.min === 'number' && out.length < field.min) return fail('too_few', `must have at least ${field.min} items`);
    if (typeof field.max === 'number' && out.length > field.max) return fail('too_many', `must have at most ${field.max} items`);
    return pass(out);
  }
  if (field.required && v === '' && (field.type === 'text' || field.type === 'email' || field.type === 'url')) {
    return fail('required', 'is required');
  }
  return checkItem(field, v);
}
