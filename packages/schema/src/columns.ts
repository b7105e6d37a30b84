import type { CollectionDefinition, FieldDefinition, RecordData } from '@baas/protocol';
import { isMultiple } from './values.ts';

/** The SQL engines a project store can use. */
export type Dialect = 'sqlite' | 'postgres';

/** Whether a field is stored as JSON (json fields and every multiple field). */
export function isJsonColumn(field: FieldDefinition): boolean {
  return field.type === 'json' || isMultiple(field);
}

/**
 * The SQL column type of a field. Text-like values use `COLLATE "C"` on
 * PostgreSQL so sorting and comparisons are byte-wise, as in SQLite; then
 * filters, sorts and keyset cursors behave the same on both engines. Dates are
 * stored as their `toISOString()` text, which sorts chronologically.
 */
export function columnType(field: FieldDefinition, dialect: Dialect): string {
  const pg = dialect === 'postgres';
  if (isJsonColumn(field)) return pg ? 'jsonb' : 'TEXT';
  switch (field.type) {
    case 'number':
      return pg ? 'double precision' : 'REAL';
    case 'integer':
      return pg ? 'bigint' : 'INTEGER';
    case 'boolean':
      return pg ? 'boolean' : 'INTEGER';
    default:
      return pg ? 'text COLLATE "C"' : 'TEXT';
  }
}

/**
 * Converts a validated API value into what the driver binds: for
 * better-sqlite3 booleans as 1/0 and JSON as text; for node-postgres JSON as a
 * JSON text parameter (node-postgres would otherwise turn a JS array into a
 * PostgreSQL array literal) and booleans as they are. null stays null: a json
 * field's null is SQL NULL, never the JSON literal.
 */
export function toColumnValue(field: FieldDefinition, value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  if (isJsonColumn(field)) return JSON.stringify(value);
  if (field.type === 'boolean' && dialect === 'sqlite') return value ? 1 : 0;
  return value;
}

/**
 * Converts what the driver returns back into the API representation: the
 * inverse of toColumnValue. Tolerates the drivers' variations: bigint from
 * better-sqlite3's safeIntegers mode, int8 as a string from node-postgres,
 * jsonb as text when its type parser is turned off (multiple fields only: a
 * json field's string is a legitimate value there).
 */
export function fromColumnValue(field: FieldDefinition, raw: unknown, dialect: Dialect): unknown {
  if (raw === null || raw === undefined) return null;
  if (dialect === 'sqlite') {
    if (isJsonColumn(field)) return typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (field.type === 'boolean') return raw === 1 || raw === 1n || raw === true;
    if (field.type === 'integer' || field.type === 'number') return typeof raw === 'bigint' ? Number(raw) : raw;
    return raw;
  }
  if (isMultiple(field)) return typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (field.type === 'integer') return typeof raw === 'string' || typeof raw === 'bigint' ? Number(raw) : raw;
  if (field.type === 'number') return typeof raw === 'string' ? Number(raw) : raw;
  if (field.type === 'date' && raw instanceof Date) return raw.toISOString();
  return raw;
}

/**
 * A stored row of a collection's table -> the record the API returns (and
 * realtime sends): the system columns, then each field decoded as above.
 */
export function rowToRecord(def: CollectionDefinition, row: Record<string, unknown>, dialect: Dialect): RecordData {
  const record: RecordData = { id: row.id as string, created_at: row.created_at as string, updated_at: row.updated_at as string };
  for (const field of def.fields) record[field.name] = fromColumnValue(field, row[field.name], dialect);
  return record;
}
