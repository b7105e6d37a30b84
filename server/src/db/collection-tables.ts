import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition, FieldDefinition } from '@baas/protocol';
import { columnType } from '@baas/schema';
import type { Database } from './database.ts';
import { createSearchIndex, dropSearchIndex, searchSignature } from './search-index.ts';

/**
 * DDL of the per-collection tables: one real table per collection, one typed
 * column per field, plus `id`, `created_at`, `updated_at`. Names reach SQL
 * only through `sql.identifier` and only after @baas/schema accepted them.
 */

/** The table that holds a collection's records. */
export function tableName(collection: string): string {
  return collection === 'users' ? '_users' : collection;
}

/** An index the table should have, derived from the definition. */
interface IndexSpec {
  name: string;
  unique: boolean;
  columns: Array<{ name: string; desc: boolean }>;
}

function indexSpecs(def: CollectionDefinition): IndexSpec[] {
  const specs: IndexSpec[] = def.fields
    .filter((f) => f.unique)
    .map((f) => ({ name: `uq_${def.name}_${f.name}`.slice(0, 63), unique: true, columns: [{ name: f.name, desc: false }] }));
  for (const index of def.indexes) {
    const columns = index.fields.map((f) => ({ name: f.replace(/^-/, ''), desc: f.startsWith('-') }));
    // Lists break ties by id in the direction of their last sort key. Ending a
    // non-unique index with id in that direction lets the index hand out rows
    // in exactly the list's order: no sort step, and keyset paging stays an index range.
    if (!index.unique && !columns.some((c) => c.name === 'id')) columns.push({ name: 'id', desc: columns[columns.length - 1].desc });
    specs.push({
      name: index.name ?? `idx_${def.name}_${index.fields.join('_').replace(/-/g, '')}`.slice(0, 63),
      unique: index.unique ?? false,
      columns,
    });
  }
  return specs;
}

/**
 * The names a collection takes in its store: its table and its indexes. Both
 * engines keep tables and indexes in one namespace per store, so these must
 * be unique across the project's collections.
 */
export function storageNames(def: CollectionDefinition): Array<{ name: string; kind: 'table' | 'index' }> {
  return [{ name: tableName(def.name), kind: 'table' as const }, ...indexSpecs(def).map((s) => ({ name: s.name, kind: 'index' as const }))];
}

/** Which fields an index name constrains: for turning a unique violation into per-field errors. */
export function uniqueIndexFields(def: CollectionDefinition, indexName: string): string[] | undefined {
  return indexSpecs(def).find((s) => s.unique && s.name === indexName)?.columns.map((c) => c.name);
}

const sameSpec = (a: IndexSpec, b: IndexSpec) => JSON.stringify(a) === JSON.stringify(b);

function textColumn(db: Database): SQL {
  return db.dialect === 'postgres' ? sql.raw('text COLLATE "C"') : sql.raw('TEXT');
}

function columnSql(db: Database, field: FieldDefinition): SQL {
  return sql`${sql.identifier(field.name)} ${sql.raw(columnType(field, db.dialect))}`;
}

function indexName(db: Database, name: string): SQL {
  // On PostgreSQL an index lives in the table's schema: DROP INDEX needs it qualified.
  return db.dialect === 'postgres' ? db.table(name) : sql`${sql.identifier(name)}`;
}

async function createIndex(db: Database, table: string, spec: IndexSpec): Promise<void> {
  // List queries sort null lowest (NULLS FIRST ascending). That is SQLite's own
  // order (and its CREATE INDEX takes no NULLS clause); PostgreSQL must be told.
  const nulls = (desc: boolean) => (db.dialect === 'postgres' ? (desc ? ' NULLS LAST' : ' NULLS FIRST') : '');
  const columns = sql.join(
    spec.columns.map((c) => sql`${sql.identifier(c.name)} ${sql.raw((c.desc ? 'DESC' : 'ASC') + nulls(c.desc))}`),
    sql`, `,
  );
  await db.run(sql`CREATE ${sql.raw(spec.unique ? 'UNIQUE ' : '')}INDEX ${sql.identifier(spec.name)} ON ${db.table(table)} (${columns})`);
}

/** Creates the table and indexes of a new collection. Call inside a transaction. */
export async function createCollectionTable(db: Database, def: CollectionDefinition): Promise<void> {
  const text = textColumn(db);
  const columns = [
    sql`${sql.identifier('id')} ${text} PRIMARY KEY`,
    sql`${sql.identifier('created_at')} ${text} NOT NULL`,
    sql`${sql.identifier('updated_at')} ${text} NOT NULL`,
    ...def.fields.map((f) => columnSql(db, f)),
  ];
  await db.run(sql`CREATE TABLE ${db.table(def.name)} (${sql.join(columns, sql`, `)})`);
  for (const spec of indexSpecs(def)) await createIndex(db, def.name, spec);
  await createSearchIndex(db, def);
}

/**
 * Moves a table from one definition to the next: rename the table, drop
 * indexes that change, rename/drop/add columns (matched by field id), then
 * create the new indexes. The search index goes first and comes back last
 * when what it depends on changes (it names the table and the columns), rebuilt
 * in this transaction. Call inside a transaction: DDL is transactional on
 * both engines, so a failure leaves the old table untouched.
 */
export async function alterCollectionTable(
  db: Database,
  before: CollectionDefinition,
  after: CollectionDefinition,
  defaults: Map<string, unknown>,
): Promise<void> {
  const reindex = searchSignature(before) !== searchSignature(after);
  if (reindex) await dropSearchIndex(db, before);
  if (before.name !== after.name) {
    await db.run(sql`ALTER TABLE ${db.table(before.name)} RENAME TO ${sql.identifier(after.name)}`);
  }
  const table = after.name;
  const oldSpecs = indexSpecs(before);
  const newSpecs = indexSpecs(after);
  for (const spec of oldSpecs) {
    if (!newSpecs.some((s) => sameSpec(s, spec))) await db.run(sql`DROP INDEX IF EXISTS ${indexName(db, spec.name)}`);
  }
  const afterById = new Map(after.fields.map((f) => [f.id, f]));
  const beforeById = new Map(before.fields.map((f) => [f.id, f]));
  for (const old of before.fields) {
    const next = afterById.get(old.id);
    if (!next) await db.run(sql`ALTER TABLE ${db.table(table)} DROP COLUMN ${sql.identifier(old.name)}`);
    else if (next.name !== old.name) {
      await db.run(sql`ALTER TABLE ${db.table(table)} RENAME COLUMN ${sql.identifier(old.name)} TO ${sql.identifier(next.name)}`);
    }
  }
  for (const field of after.fields) {
    if (beforeById.has(field.id)) continue;
    await db.run(sql`ALTER TABLE ${db.table(table)} ADD COLUMN ${columnSql(db, field)}`);
    // Existing rows get the field's default, as a create would have given them.
    if (defaults.has(field.name)) {
      await db.run(sql`UPDATE ${db.table(table)} SET ${sql.identifier(field.name)} = ${defaults.get(field.name)}`);
    }
  }
  for (const spec of newSpecs) {
    if (!oldSpecs.some((s) => sameSpec(s, spec))) await createIndex(db, table, spec);
  }
  if (reindex) await createSearchIndex(db, after);
}

/** Drops a collection's table with its indexes and its search index. */
export async function dropCollectionTable(db: Database, def: CollectionDefinition): Promise<void> {
  await dropSearchIndex(db, def);
  await db.run(sql`DROP TABLE IF EXISTS ${db.table(def.name)}`);
}
