/**
 * @baas/schema — field types, collection definitions, record validation, TS type generation.
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
 */
export {};
