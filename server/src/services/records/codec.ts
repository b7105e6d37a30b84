import type { CollectionDefinition, RecordData } from '@baas/protocol';
import { toColumnValue } from '@baas/schema';
import type { Dialect } from '@baas/query';

/**
 * Validated field values -> column values, for the fields present in `values`.
 * Own keys only: `in` would find `Object.prototype.constructor` for a field
 * named `constructor` and write the function's text into every partial update.
 */
export function valuesToColumns(def: CollectionDefinition, values: Record<string, unknown>, dialect: Dialect): Map<string, unknown> {
  const columns = new Map<string, unknown>();
  for (const field of def.fields) {
    if (Object.hasOwn(values, field.name)) columns.set(field.name, toColumnValue(field, values[field.name], dialect));
  }
  return columns;
}

/**
 * The field selection of a reply: keeps only the asked-for fields (`fields=id,title`); `expand` stays when it was asked for.
 * The selected records have no prototype: a field named `constructor` left out must read as absent,
 * not as Object's (the compiled reply serializer reads each field of the collection by name).
 */
export function selectFields(records: RecordData[], fields: string | undefined): RecordData[] {
  if (!fields) return records;
  const keep = new Set(fields.split(',').map((f) => f.trim()).filter(Boolean));
  keep.add('expand');
  keep.add('_highlight');
  return records.map((r) => {
    const selected = Object.create(null) as RecordData;
    for (const [k, v] of Object.entries(r)) if (keep.has(k)) selected[k] = v;
    return selected;
  });
}
