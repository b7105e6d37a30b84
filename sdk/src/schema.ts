/**
 * How the SDK types a project: `baas gen types` writes a `Schema` interface
 * mapping each collection name to its shapes, and `createClient<Schema>()`
 * types every call with it. Without a schema every collection is untyped.
 */

/** The shapes of one collection, as `baas gen types` writes them. */
export interface CollectionShape {
  /** A stored record, system fields included. */
  record: object;
  /** The body of a create (required fields required, `id?`). */
  create: object;
  /** The body of an update (every field optional). */
  update: object;
  /** Relation fields → the related records `expand` adds. */
  expand: object;
}

/** The system fields every record has. */
export interface SystemFields {
  id: string;
  created_at: string;
  updated_at: string;
}

/** A record whose fields the types do not know. */
export type UntypedRecord = SystemFields & { [field: string]: unknown };

/** The shapes of a collection without generated types. */
export interface UntypedCollection {
  record: UntypedRecord;
  create: Record<string, unknown> & { id?: string };
  update: Record<string, unknown>;
  expand: Record<string, unknown>;
}

/** The schema of a client without generated types: any name, untyped records. */
export type UntypedSchema = Record<string, UntypedCollection>;

/** What a schema must be: `createClient<S extends SchemaOf<S>>` (a mapped form, because a generated interface has no index signature). */
export type SchemaOf<S> = { [K in keyof S]: CollectionShape };

/** The collection shapes for a record type given by hand: `client.collection<Todo>('todos')`. */
export interface ShapeOf<T extends object> {
  record: T & SystemFields;
  create: Partial<T> & { id?: string };
  update: Partial<T>;
  expand: Record<string, unknown>;
}

/** A record as a reply carries it: the stored fields plus what `expand` loaded. */
export type RecordOf<C extends CollectionShape> = C['record'] & { expand?: Partial<C['expand']> };

/** The collection names of a schema. */
export type CollectionName<S> = keyof S & string;

/** Whether `S` is the untyped default (any string is a collection). */
export type IsUntyped<S> = string extends keyof S ? true : false;
