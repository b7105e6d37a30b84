import { sql, type SQL } from 'drizzle-orm';
import { unstorableText } from '@baas/protocol';
import { ApiError } from '../../errors.ts';
import type { DbRow } from '../../db/database.ts';

/** One key of the list order. `id` always ends the list, so the order is total. */
export interface OrderKey {
  column: string;
  desc: boolean;
  /** What the column holds, so a cursor's value can be checked before it is bound. */
  kind: CursorKind;
}

/** The kinds of value a sortable column holds. */
export type CursorKind = 'text' | 'number' | 'boolean';

/** The cursor kind of a field type (dates and ids are text). */
export function cursorKind(fieldType: string): CursorKind {
  return fieldType === 'number' || fieldType === 'integer' ? 'number' : fieldType === 'boolean' ? 'boolean' : 'text';
}

/**
 * The ORDER BY of a list. Null sorts lowest on both engines (NULLS FIRST
 * ascending), which is SQLite's own order, so its indexes serve the sort.
 */
export function orderBy(keys: OrderKey[]): SQL {
  return sql.join(
    keys.map((k) => sql`${sql.identifier(k.column)} ${sql.raw(k.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST')}`),
    sql`, `,
  );
}

type CursorValue = string | number | boolean | null;

/** An opaque cursor: the sort it belongs to and the last row's key values. */
export function encodeCursor(sort: string, keys: OrderKey[], row: DbRow): string {
  const values = keys.map((k) => row[k.column] as CursorValue);
  return Buffer.from(JSON.stringify({ s: sort, v: values })).toString('base64url');
}

/** Reads a cursor back; 400 when it was tampered with or belongs to another sort. */
export function decodeCursor(cursor: string, sort: string, keys: OrderKey[]): CursorValue[] {
  let parsed: { s?: unknown; v?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const values = parsed?.v;
  if (parsed?.s !== sort || !Array.isArray(values) || values.length !== keys.length) throw invalid();
  // Values are checked against their column and bound in one form for both engines:
  // a tampered cursor must be a 400, not a driver error (SQLite cannot bind a
  // boolean; PostgreSQL refuses text for a number column and NUL in text).
  return keys.map((key, i) => cursorValue(key.kind, values[i]));
}

function cursorValue(kind: CursorKind, v: unknown): CursorValue {
  if (v === null) return null;
  if (kind === 'text' && typeof v === 'string' && !unstorableText(v)) return v;
  if (kind === 'number' && typeof v === 'number' && Number.isFinite(v)) return v;
  // Booleans as 1/0: SQLite stores them so (and encodes them so), PostgreSQL reads '1' as true.
  if (kind === 'boolean' && (typeof v === 'boolean' || v === 0 || v === 1)) return Number(v);
  throw invalid();
}

function invalid(): ApiError {
  return new ApiError('invalid_cursor', 'the cursor is not valid for this query; start again without it');
}

/**
 * The rows strictly after the cursor in the list order: the lexicographic
 * "greater than" over the keys, spelled out so nulls (lowest) page correctly.
 */
export function afterCursor(keys: OrderKey[], values: CursorValue[]): SQL {
  const alternatives: SQL[] = [];
  for (let i = 0; i < keys.length; i++) {
    const equalBefore = keys.slice(0, i).map((k, j) => equal(k, values[j]));
    const greater = after(keys[i], values[i]);
    if (greater) alternatives.push(sql.join([...equalBefore, greater].map((c) => sql`(${c})`), sql` AND `));
  }
  return alternatives.length ? sql.join(alternatives.map((a) => sql`(${a})`), sql` OR `) : sql`1 = 0`;
}

function equal(key: OrderKey, value: CursorValue): SQL {
  const col = sql.identifier(key.column);
  return value === null ? sql`${col} IS NULL` : sql`${col} = ${value}`;
}

function after(key: OrderKey, value: CursorValue): SQL | undefined {
  const col = sql.identifier(key.column);
  if (!key.desc) return value === null ? sql`${col} IS NOT NULL` : sql`${col} > ${value}`;
  return value === null ? undefined : sql`(${col} < ${value} OR ${col} IS NULL)`;
}
