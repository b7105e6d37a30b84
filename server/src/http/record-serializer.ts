/**
 * Compiled reply serializers for a collection's records: fast-json-stringify
 * (the serializer Fastify itself uses) built from the collection's field
 * types, once per catalog and collection.
 *
 * Why: the routes' Record schema is open (any field), which fast-json-stringify
 * can only serialize generically, so records went out through JSON.stringify,
 * which inspects every value's type at run time. A schema that names each
 * field's type lets the serializer write the known shape directly.
 *
 * Caches are keyed by the catalog object: a schema change (in this process,
 * or another process's, read back through the catalog's version) installs a
 * new catalog, so the next reply compiles for the new shape, and the old
 * serializers go with the old catalog. The schemas list the properties in the
 * order records are built (system columns, fields in definition order,
 * `expand`, `_highlight`), so the output is byte for byte JSON.stringify's.
 */
import fastJson from 'fast-json-stringify';
import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { isJsonColumn } from '@baas/schema';

type Catalog = ReadonlyMap<string, CollectionDefinition>;
type JsonSchema = Record<string, unknown>;
type Serialize = (data: unknown) => string;

/** Anything: written as JSON.stringify writes it. */
const anything: JsonSchema = {};
/** An object of any keys (a user's public face, a deeper expansion, snippets). */
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });

function fieldSchema(field: FieldDefinition): JsonSchema {
  if (field.type === 'json') return anything;
  // Every multiple field (select, relation, file) holds a list of strings.
  if (isJsonColumn(field)) return { type: ['array', 'null'], items: { type: 'string' } };
  if (field.type === 'boolean') return nullable('boolean');
  // Integers too: 'number' writes an integer as JSON.stringify does, without 'integer''s rounding.
  if (field.type === 'number' || field.type === 'integer') return nullable('number');
  return nullable('string');
}

/**
 * A record of `def`. `expand` is typed one level down (the related
 * collection's record, or a list of them); below that, and for users, any object.
 */
function recordSchema(def: CollectionDefinition, catalog: Catalog, typedExpand: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    id: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  };
  for (const field of def.fields) properties[field.name] = fieldSchema(field);
  properties.expand = typedExpand ? expandSchema(def, catalog) : anyObject;
  properties._highlight = anyObject;
  return { type: 'object', properties };
}

function expandSchema(def: CollectionDefinition, catalog: Catalog): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of def.fields) {
    if (field.type !== 'relation') continue;
    const target = field.collection === 'users' ? undefined : catalog.get(field.collection!);
    const one = target ? recordSchema(target, catalog, false) : anyObject;
    properties[field.name] = field.multiple ? { type: 'array', items: one } : one;
  }
  return { type: 'object', properties };
}

interface CollectionSerializers {
  record?: Serialize;
  list?: Serialize;
}

const byCatalog = new WeakMap<Catalog, Map<string, CollectionSerializers>>();

function serializersOf(catalog: Catalog, def: CollectionDefinition): CollectionSerializers {
  // Only definitions of this catalog are cached under its name.
  if (catalog.get(def.name) !== def) return {};
  let byName = byCatalog.get(catalog);
  if (!byName) byCatalog.set(catalog, (byName = new Map()));
  let entry = byName.get(def.name);
  if (!entry) byName.set(def.name, (entry = {}));
  return entry;
}

/** The serializer of one record of `def` (a get's reply), from `catalog` (the one the reply was read with). */
export function recordReplySerializer(catalog: Catalog, def: CollectionDefinition): Serialize {
  const entry = serializersOf(catalog, def);
  return (entry.record ??= fastJson(recordSchema(def, catalog, true)) as Serialize);
}

/** The serializer of a list of records of `def`, from `catalog` (the one the list was read with). */
export function listReplySerializer(catalog: Catalog, def: CollectionDefinition): Serialize {
  const entry = serializersOf(catalog, def);
  return (entry.list ??= fastJson({
    type: 'object',
    // The order listRecords builds its result in.
    properties: {
      items: { type: 'array', items: recordSchema(def, catalog, true) },
      nextCursor: nullable('string'),
      page: { type: 'integer' },
      perPage: { type: 'integer' },
      total: { type: 'integer' },
    },
  }) as Serialize);
}
