import type { CollectionDefinition } from '@baas/protocol';
import { asUniqueViolation } from '../db/database.ts';
import { uniqueIndexFields } from '../db/collection-tables.ts';
import { ApiError } from '../errors.ts';

/**
 * A unique-index failure of either engine as a 409 naming the fields, or
 * undefined when `err` is something else. Writes hit it on a duplicate value;
 * schema changes hit it when a new unique index meets existing duplicates.
 */
export function uniqueViolationError(def: CollectionDefinition, err: unknown, message?: (fields: string[]) => string): ApiError | undefined {
  const violation = asUniqueViolation(err);
  if (!violation) return undefined;
  const fields = violation.constraint
    ? (uniqueIndexFields(def, violation.constraint) ?? (violation.constraint.endsWith('_pkey') ? ['id'] : []))
    : (violation.columns ?? []).map((c) => c.split('.').pop()!);
  return new ApiError('unique_violation', message?.(fields) ?? `a record with the same ${fields.join(', ') || 'value'} exists`, {
    fields: Object.fromEntries(fields.map((f) => [f, { code: 'unique', message: 'is already taken' }])),
  });
}
