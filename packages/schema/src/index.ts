/**
 * @baas/schema — field types, collection definitions, record validation,
 * TypeScript type generation, and the field → column mapping. Pure: no I/O.
 *
 * CONTRACT (the server codes against these signatures):
 *
 *   normalizeCollection(input: unknown, existing?: CollectionDefinition): CollectionDefinition
 *     Validates a create body (existing undefined) or a PATCH body merged onto `existing`.
 *     throws SchemaError (code 'invalid_schema', details.fields keyed by 'fields.2.name' etc.)
 *
 *   validateRecord(def, input, mode: 'create' | 'update'): Record<string, unknown>
 *     Returns the values to store (API representation: booleans, arrays, ISO dates),
 *     defaults applied on create. throws RecordValidationError with per-field errors.
 *
 *   generateTypes(collections: CollectionDefinition[]): string
 *
 *   columnType(field, dialect) / toColumnValue(field, value, dialect) / fromColumnValue(field, raw, dialect)
 */
export { SchemaError, RecordValidationError, type FieldErrors } from './errors.ts';
export {
  namePattern,
  sqlKeywords,
  systemNames,
  reservedFieldNames,
  reservedCollectionNames,
  checkName,
  isValidName,
  type NameKind,
} from './names.ts';
export {
  normalizeCollection,
  newFieldId,
  defaultIndexName,
  ruleNames,
  fieldIdPattern,
  maxFields,
  maxIndexes,
  maxIndexFields,
  maxRuleBytes,
  maxPatternLength,
  maxSelectValues,
} from './collection.ts';
export { validateRecord, type RecordMode } from './record.ts';
export {
  recordIdPattern,
  maxTextBytes,
  maxJsonBytes,
  maxJsonDepth,
  maxFilePathLength,
  isNullable,
  isMultiple,
  parseIsoDate,
} from './values.ts';
export { columnType, toColumnValue, fromColumnValue, rowToRecord, isJsonColumn, type Dialect } from './columns.ts';
export { generateTypes, pascalCase } from './typegen.ts';
