import type { FieldError } from '@baas/protocol';

/**
 * Collection, field and index names. Lowercase, starting with a letter, at
 * most 63 characters (PostgreSQL's identifier limit), so a name can never carry
 * SQL, never needs case-folding rules and never collides with `_`-prefixed
 * system tables.
 */
export const namePattern = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * SQL keywords that are legal once quoted but make filters, rules and
 * hand-written SQL confusing to read. Both dialects quote every identifier,
 * so this list is about clarity, not safety.
 */
export const sqlKeywords: readonly string[] = [
  'all', 'alter', 'and', 'any', 'as', 'asc', 'begin', 'between', 'by', 'case',
  'cast', 'check', 'collate', 'column', 'commit', 'constraint', 'create',
  'cross', 'current_date', 'current_time', 'current_timestamp', 'current_user',
  'default', 'delete', 'desc', 'distinct', 'drop', 'else', 'end', 'except',
  'exists', 'foreign', 'from', 'full', 'grant', 'group', 'having', 'index',
  'inner', 'insert', 'intersect', 'into', 'is', 'join', 'left', 'like', 'limit',
  'natural', 'not', 'offset', 'on', 'or', 'order', 'outer', 'primary',
  'references', 'returning', 'revoke', 'right', 'rollback', 'select', 'set',
  'table', 'then', 'to', 'transaction', 'trigger', 'union', 'unique', 'update',
  'user', 'using', 'values', 'view', 'when', 'where', 'with',
];

/**
 * Names the API or the rule language already gives a meaning: the system
 * columns, `expand` (relation expansion in replies), the rule variables
 * `auth`, `request`, `now`, and the literals/operators of the language.
 */
export const systemNames: readonly string[] = [
  'id', 'created_at', 'updated_at', 'expand', 'auth', 'request', 'now',
  'true', 'false', 'null', 'in',
];

/**
 * Columns every table already has on one engine: PostgreSQL's system columns
 * (a column of that name cannot be created, and `ctid` in a filter would read
 * the system column) and SQLite's rowid aliases. Refused on both engines, so a
 * definition that works on one works on the other.
 */
export const engineColumnNames: readonly string[] = ['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid', 'rowid'];

/** Reserved for any field name. */
export const reservedFieldNames: readonly string[] = [...systemNames, ...sqlKeywords, ...engineColumnNames];

/** Reserved for any collection name: the field list plus the built-in `users` collection. */
export const reservedCollectionNames: readonly string[] = ['users', ...reservedFieldNames];

/** What a name names; collections reserve a few more words than fields. */
export type NameKind = 'collection' | 'field';

const reserved = {
  collection: new Set(reservedCollectionNames),
  field: new Set(reservedFieldNames),
};

/**
 * Why `name` is not acceptable as a collection or field name, or null when it
 * is. Codes: `invalid_type`, `invalid_name`, `reserved_name`.
 */
export function checkName(name: unknown, kind: NameKind): FieldError | null {
  if (typeof name !== 'string') return { code: 'invalid_type', message: 'must be a string' };
  if (!namePattern.test(name)) {
    return {
      code: 'invalid_name',
      message: 'must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 63 characters)',
    };
  }
  if (reserved[kind].has(name)) {
    return {
      code: 'reserved_name',
      message: name === 'users' && kind === 'collection'
        ? "'users' is the built-in users collection"
        : engineColumnNames.includes(name)
          ? `'${name}' is a system column of the database engine`
          : `'${name}' is a reserved word`,
    };
  }
  return null;
}

/** Whether `name` is an acceptable collection or field name (default: field). */
export function isValidName(name: unknown, kind: NameKind = 'field'): name is string {
  return checkName(name, kind) === null;
}
