/** The field types a collection can hold. */
export const fieldTypes = [
  'text', 'number', 'integer', 'boolean', 'date', 'json',
  'email', 'url', 'select', 'relation', 'file',
] as const;
export type FieldType = (typeof fieldTypes)[number];

/**
 * One field of a collection. Options that do not apply to a type are refused
 * when the collection is saved (e.g. `values` on a number).
 */
export interface FieldDefinition {
  /** Stable id, assigned by the server; lets a PATCH rename a field. */
  id?: string;
  name: string;
  type: FieldType;
  /** Missing, null and (for text) '' are refused. */
  required?: boolean;
  /** Backed by a unique index. */
  unique?: boolean;
  /** Whether null is accepted as a value. Defaults to true unless required. */
  nullable?: boolean;
  /** Used on create when the field is absent. */
  default?: unknown;
  /** text/email/url: length; number/integer: value; date: ISO string bound; multiple: item count. */
  min?: number | string;
  max?: number | string;
  /** text: a regular expression the whole value must match. */
  pattern?: string;
  /** select: the allowed values. */
  values?: string[];
  /** select, relation, file: holds a list instead of one value. */
  multiple?: boolean;
  /** relation: the target collection, or `users` for the project's users. */
  collection?: string;
}

/** Rules of a collection. null = service role and admins only; '' = everyone. */
export interface CollectionRules {
  list: string | null;
  view: string | null;
  create: string | null;
  update: string | null;
  delete: string | null;
}

/** The rules of a collection, in the order forms and messages list them: the one list. */
export const ruleNames = ['list', 'view', 'create', 'update', 'delete'] as const satisfies ReadonlyArray<keyof CollectionRules>;

/** An index over fields; `-name` sorts descending. */
export interface IndexDefinition {
  name?: string;
  fields: string[];
  unique?: boolean;
}

/** A collection as the API returns it. */
export interface CollectionDefinition {
  name: string;
  fields: FieldDefinition[];
  rules: CollectionRules;
  indexes: IndexDefinition[];
  /**
   * The text fields full-text search reads (`?search=`), most important first:
   * a match in an earlier field ranks higher. Absent: the collection is not searchable.
   */
  search?: string[];
  createdAt?: string;
  updatedAt?: string;
}

/** Columns every record has besides its fields. */
export const systemFields = ['id', 'created_at', 'updated_at'] as const;

/** A stored record: system fields plus field values. */
export interface RecordData {
  id: string;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** The reply of a record list. */
export interface ListResult<T = RecordData> {
  items: T[];
  nextCursor: string | null;
  total?: number;
  page?: number;
  perPage?: number;
}

/** One operation of an atomic `/batch`. */
export type BatchOperation =
  | { action: 'create'; collection: string; data: Record<string, unknown> }
  | { action: 'update'; collection: string; id: string; data: Record<string, unknown> }
  | { action: 'delete'; collection: string; id: string };

/** The actions a change-log entry records. */
export type ChangeAction = 'create' | 'update' | 'delete';

/** A project's schema as code (`GET|PUT /v1/projects/:project/schema`, `baas collections export|import`). */
export interface SchemaDocument {
  format: 'baas-schema';
  version: 1;
  /** Definitions without createdAt/updatedAt. */
  collections: CollectionDefinition[];
  buckets: Array<{
    name: string;
    public: boolean;
    maxSize: number | null;
    allowedTypes: string[] | null;
    rules: { read: string | null; write: string | null };
  }>;
}

/** What a schema import changes, and the data it would delete. */
export interface SchemaDiff {
  collections: { added: string[]; changed: Array<{ name: string; changes: string[] }>; removed: string[] };
  buckets: { added: string[]; changed: Array<{ name: string; changes: string[] }>; removed: string[] };
  /** Data the import deletes: a field's values, a removed collection's records, a removed bucket's objects. */
  dropped: Array<{ collection: string; field?: string; records: number } | { bucket: string; objects: number }>;
}
