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

/** One column's decoder: what fromColumnValue does for one field, chosen once. */
type Decode = (raw: unknown) => unknown;

/**
 * The decoder of a field, or undefined when the driver's value is already the
 * API's (text-like columns, and SQLite numbers as better-sqlite3 gives them
 * without safeIntegers): those are copied without a call.
 */
function decoderOf(field: FieldDefinition, dialect: Dialect): Decode | undefined {
  const nullable = (decode: (raw: unknown) => unknown): Decode => (raw) => (raw === null || raw === undefined ? null : decode(raw));
  if (dialect === 'sqlite') {
    if (isJsonColumn(field) || field.type === 'boolean') return (raw) => fromColumnValue(field, raw, dialect);
    if (field.type === 'integer' || field.type === 'number') return nullable((raw) => (typeof raw === 'bigint' ? Number(raw) : raw));
    return undefined;
  }
  if (isMultiple(field) || field.type === 'integer' || field.type === 'number' || field.type === 'date') return (raw) => fromColumnValue(field, raw, dialect);
  return undefined;
}

/** A collection's row decoder: the field names and decoders, in the definition's order. */
interface RowDecoder {
  names: string[];
  decoders: Array<Decode | undefined>;
}

/**
 * Decoders per definition and dialect. A definition is never changed in
 * place: a schema change (in this process, or read from the store after
 * another process made one) gives new definition objects, so a changed
 * collection gets a new decoder and the old one goes with its definition.
 */
const rowDecoders = new WeakMap<CollectionDefinition, Partial<Record<Dialect, RowDecoder>>>();

function rowDecoder(def: CollectionDefinition, dialect: Dialect): RowDecoder {
  let byDialect = rowDecoders.get(def);
  if (!byDialect) rowDecoders.set(def, (byDialect = {}));
  return (byDialect[dialect] ??= {
    names: def.fields.map((f) => f.name),
    decoders: def.fields.map((f) => decoderOf(f, dialect)),
  });
}

/**
 * A stored row of a collection's table -> the record the API returns (and
 * realtime sends): the system columns, then each field decoded as
 * fromColumnValue does (each field's decoder chosen once per definition, not
 * per row: a list decodes every field of every row).
 */
export function rowToRecord(def: CollectionDefinition, row: Record<string, unknown>, dialect: Dialect): RecordData {
  const { names, decoders } = rowDecoder(def, dialect);
  const record: RecordData = { id: row.id as string, created_at: row.created_at as string, updated_at: row.updated_at as string };
  for (let i = 0; i < names.length; i++) {
    const raw = row[names[i]];
    const decode = decoders[i];
    record[names[i]] = decode === undefined ? (raw === undefined ? null : raw) : decode(raw);
  }
  return record;
}
