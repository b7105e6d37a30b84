import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { ErrorBag, RecordValidationError } from './errors.ts';
import { checkValue, isNullable, recordIdPattern } from './values.ts';

/** Whether a record body creates a record or patches one. */
export type RecordMode = 'create' | 'update';

/** A copy, so a stored record never shares arrays/objects with the definition's default. */
const cloneDefault = (v: unknown): unknown => (v !== null && typeof v === 'object' ? structuredClone(v) : v);

/**
 * Validates a record body against a collection and returns the values to
 * store, in API representation (booleans, arrays, ISO dates).
 *
 * - create: every field is present in the result (absent: `default`, else
 *   null); a client-supplied `id` is kept.
 * - update: only the keys given are validated and returned (a partial patch).
 *
 * Throws RecordValidationError listing every bad field. Codes: unknown_field,
 * read_only, required, not_nullable, invalid_type, invalid_id, invalid_value,
 * invalid_email, invalid_url, invalid_date, pattern_mismatch, too_short,
 * too_long, too_small, too_large, too_few, too_many, nul_character, lone_surrogate.
 */
export function validateRecord(
  def: CollectionDefinition,
  input: Record<string, unknown>,
  mode: RecordMode,
): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RecordValidationError({}, 'the record body must be a JSON object');
  }
  const fields = new Map<string, FieldDefinition>(def.fields.map((f) => [f.name, f]));
  const errors = new ErrorBag();
  const out: Record<string, unknown> = {};

  for (const key of Object.keys(input)) {
    const value = input[key];
    // undefined cannot come from JSON; treat it as "not given" for callers in code.
    if (value === undefined) continue;
    if (key === 'created_at' || key === 'updated_at') {
      errors.add(key, 'read_only', 'is set by the server');
      continue;
    }
    if (key === 'id') {
      if (mode === 'update') errors.add(key, 'read_only', 'cannot be changed');
      else if (typeof value !== 'string' || !recordIdPattern.test(value)) {
        errors.add(key, 'invalid_id', 'must be 1-64 characters of A-Z a-z 0-9 _ -');
      } else out.id = value;
      continue;
    }
    const field = fields.get(key);
    if (!field) {
      errors.add(key, 'unknown_field', `is not a field of '${def.name}'`);
      continue;
    }
    const r = checkValue(field, value);
    if (r.ok) out[key] = r.value;
    else errors.add(key, r.code, r.message);
  }

  if (mode === 'create') {
    for (const field of def.fields) {
      if (Object.hasOwn(out, field.name) || errors.has(field.name)) continue;
      if (field.default !== undefined && field.default !== null) {
        // Defaults were validated by normalizeCollection; re-check anyway so a
        // definition edited behind our back cannot store a bad value.
        const r = checkValue(field, cloneDefault(field.default));
        if (r.ok) out[field.name] = r.value;
        else errors.add(field.name, r.code, `default ${r.message}`);
      } else if (field.required || !isNullable(field)) {
        errors.add(field.name, 'required', 'is required');
      } else {
        out[field.name] = null;
      }
    }
  }

  if (!errors.empty) throw new RecordValidationError(errors.fields);
  return out;
}
