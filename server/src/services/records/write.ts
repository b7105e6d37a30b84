import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition, RecordData } from '@baas/protocol';
import { RecordValidationError, rowToRecord, validateRecord } from '@baas/schema';
import { ApiError } from '../../errors.ts';
import { newId, nowIso } from '../../ids.ts';
import { tableName } from '../../db/collection-tables.ts';
import type { Database, TransactionOptions } from '../../db/database.ts';
import { withDb, type ServiceContext } from '../context.ts';
import { uniqueViolationError } from '../unique.ts';
import { SCHEMA_LOCK } from '../collections.ts';
import { accessCollection, and, createAllowed, envOf, ruleCondition, viewAllowed, type CollectionAccess } from './access.ts';
import { valuesToColumns } from './codec.ts';
import { CHANGES_LOCK, logChange } from '../../db/change-log.ts';
import { expandRecords, parseExpand } from './expand.ts';
import { byId, recordNotFound } from './get.ts';
import { fragmentText, ShapeCache } from '../../db/sql-text.ts';

/**
 * The text of the statements every create runs, per shape (the tables'
 * text and what else changes the text: the columns, how many ids each
 * relation has): written once, then only bound. Building them as drizzle
 * templates per request (a tag, a join and an identifier per column, then
 * a walk to write the text) was ~8% of a create's CPU.
 */
const shapes = new ShapeCache();


/**
 * Reads the row a write will change with a row lock. Under PostgreSQL's READ
 * COMMITTED a plain SELECT sees the row as it was before a concurrent update
 * commits; the change log and the reply, built from `{...previous, ...values}`,
 * would then carry stale copies of the fields this write left alone. FOR
 * UPDATE waits for that update and re-checks the condition on the new row.
 * SQLite's write transactions already run one at a time.
 */
const lockedRow = (tx: Database, table: SQL, where: SQL) =>
  tx.get(sql`SELECT * FROM ${table} WHERE ${where}${tx.dialect === 'postgres' ? sql` FOR UPDATE` : sql``}`);

/**
 * The locks of a record write's transaction (see `definitionUnchanged`).
 * Naming them lets PostgreSQL group concurrent writes of a project into one
 * commit (db/postgres-group.ts), which takes the change-log lock only with
 * its COMMIT: the lock orders the change log's seqs, and a write needs it
 * for nothing else.
 */
export const RECORD_WRITE: TransactionOptions = { locks: [[SCHEMA_LOCK, 'shared'], [CHANGES_LOCK, 'exclusive']] };

/**
 * Inside a write's transaction: the definition the write was validated
 * against is still the stored one. The definition comes from the cached
 * catalog before the transaction starts, so a collection deleted or changed
 * in between would otherwise meet a missing table or column (a 500). Holding
 * the schema lock shared keeps schema changes out until this write commits.
 * 404 when the collection is gone, 409 when it changed (the client retries).
 */
async function definitionUnchanged(tx: Database, collection: string, access: CollectionAccess): Promise<void> {
  await tx.lockUntilCommit(SCHEMA_LOCK, 'shared');
  // Outside a commit group (a write inside some other transaction), the change-log lock
  // before any row lock: a batch takes row locks after its first logChange, so taking
  // it late deadlocked a batch against a single update of one of its rows. In a group
  // this is a no-op: the group takes it with its COMMIT, after every row lock.
  await tx.lockUntilCommit(CHANGES_LOCK);
  // The schema lock keeps the stored definition as it is until commit: a commit group reads it once.
  const row = await tx.stableRead(`definition:${collection}`, () => tx.get<{ definition: string }>(definitionStatement(tx, collection)));
  if (!row) throw new ApiError('collection_not_found', `no collection '${collection}'`);
  if (row.definition !== definitionText(access.def)) {
    throw new ApiError('conflict', `the definition of '${collection}' changed during this write; send it again`);
  }
}

/** A collection's stored definition, by name. */
function definitionStatement(tx: Database, collection: string): SQL {
  const table = tx.table('_collections');
  return shapes.get(`definition ${fragmentText(table)}`, () => sql`SELECT definition FROM ${table} WHERE name = ${collection}`).with([collection]);
}

// A definition's stored form, once per definition object: a catalog's definitions are
// never changed in place (a schema change builds new ones), and writing the text was
// 2% of a create's CPU.
const definitionTexts = new WeakMap<CollectionDefinition, string>();

function definitionText(def: CollectionDefinition): string {
  let text = definitionTexts.get(def);
  if (text === undefined) definitionTexts.set(def, (text = JSON.stringify(def)));
  return text;
}

/**
 * The record a create of `input` would store (validated: 400 otherwise), with
 * its id and timestamps; nothing is written. The rule tester judges it.
 */
export function proposedRecord(def: CollectionDefinition, input: Record<string, unknown>): RecordData {
  return recordOf(validate(def, input, 'create'));
}

function recordOf(values: Record<string, unknown>): RecordData {
  const now = nowIso();
  // id and timestamps first, as every other reply has them.
  const { id: clientId, ...fields } = values;
  return { id: (clientId as string | undefined) ?? newId(), created_at: now, updated_at: now, ...fields };
}

/**
 * Creates a record: validate, judge the create rule on the record as it will
 * be stored (before the insert, so a refused caller never hears from a unique
 * index or a relation check: 403 first), insert, log the change.
 */
export async function createRecord(ctx: ServiceContext, collection: string, input: Record<string, unknown>): Promise<RecordData> {
  const access = await accessCollection(ctx, collection);
  const env = envOf(ctx, input);
  const values = validate(access.def, input, 'create');
  const record = recordOf(values);
  return writing(access.def, () =>
    ctx.db.transaction(async (tx) => {
      await definitionUnchanged(tx, collection, access);
      const inTx = withDb(ctx, tx);
      if (!(await createAllowed(inTx, access, env, record))) throw createRefused(collection);
      const columns = valuesToColumns(access.def, record, tx.dialect);
      const names = ['id', 'created_at', 'updated_at', ...columns.keys()];
      const params = [record.id, record.created_at, record.updated_at, ...columns.values()];
      const relations = relationIds(access, values);
      // The relation check folded into the insert: one statement instead of a read and a
      // write. When it inserts nothing, the check runs alone to name the missing ids (400);
      // should they all exist by then (created meanwhile), the plain insert follows.
      if (relations.length === 0 || (await tx.run(insertStatement(inTx, access, names, params, relations))).changes === 0) {
        if (relations.length > 0) await checkRelations(inTx, access, values);
        await tx.run(insertStatement(inTx, access, names, params, []));
      }
      await logChange(tx, collection, 'create', record, null);
      return record;
    }, RECORD_WRITE),
  );
}

/**
 * Updates the fields given; the update rule is judged on the row as it was
 * (and on `request.data`). Answers the record as updated, or null when the
 * view rule hides it from the caller: the update rule lets a caller write,
 * never read.
 */
export async function updateRecord(ctx: ServiceContext, collection: string, id: string, input: Record<string, unknown>): Promise<RecordData | null> {
  const access = await accessCollection(ctx, collection);
  const rule = ruleCondition(ctx, access, 'update', envOf(ctx, input));
  const values = validate(access.def, input, 'update');
  return writing(access.def, () =>
    ctx.db.transaction(async (tx) => {
      await definitionUnchanged(tx, collection, access);
      const inTx = withDb(ctx, tx);
      const row = await lockedRow(tx, access.table, and(byId(id), rule));
      if (!row) throw recordNotFound(collection, id);
      await checkRelations(inTx, access, values);
      const previous = rowToRecord(access.def, row, tx.dialect);
      const stored: RecordData = { ...previous, ...values, updated_at: nextUpdatedAt(previous.updated_at) };
      const columns = valuesToColumns(access.def, values, tx.dialect).set('updated_at', stored.updated_at);
      const assignments = [...columns].map(([name, value]) => sql`${sql.identifier(name)} = ${value}`);
      await tx.run(sql`UPDATE ${access.table} SET ${sql.join(assignments, sql`, `)} WHERE ${byId(id)}`);
      await logChange(tx, collection, 'update', stored, previous);
      return (await viewAllowed(inTx, access, stored)) ? stored : null;
    }, RECORD_WRITE),
  );
}

/** Deletes a record the delete rule allows; 404 otherwise. */
export async function deleteRecord(ctx: ServiceContext, collection: string, id: string): Promise<void> {
  const access = await accessCollection(ctx, collection);
  const rule = ruleCondition(ctx, access, 'delete', envOf(ctx));
  await ctx.db.transaction(async (tx) => {
    await definitionUnchanged(tx, collection, access);
    const row = await lockedRow(tx, access.table, and(byId(id), rule));
    if (!row) throw recordNotFound(collection, id);
    await tx.run(sql`DELETE FROM ${access.table} WHERE ${byId(id)}`);
    await logChange(tx, collection, 'delete', rowToRecord(access.def, row, tx.dialect), null);
  }, RECORD_WRITE);
}

/** Attaches expansions to a freshly written record, for replies that ask for them. */
export async function expandOne<R extends RecordData | null>(ctx: ServiceContext, collection: string, record: R, expand: string | undefined): Promise<R> {
  if (!expand || record === null) return record;
  const access = await accessCollection(ctx, collection);
  await expandRecords(ctx, access, access.def, [record], parseExpand(expand, access.def, access.catalog));
  return record;
}

function createRefused(collection: string): ApiError {
  return new ApiError('forbidden', `the create rule of '${collection}' does not allow this record`);
}


// updated_at must move forward even when two updates land in the same millisecond,
// so clients comparing timestamps see every change.
function nextUpdatedAt(previous: string): string {
  const now = nowIso();
  return now > previous ? now : new Date(Date.parse(previous) + 1).toISOString();
}

function validate(def: CollectionDefinition, input: Record<string, unknown>, mode: 'create' | 'update'): Record<string, unknown> {
  try {
    return validateRecord(def, input, mode);
  } catch (err) {
    if (err instanceof RecordValidationError) throw new ApiError('validation_failed', err.message, err.details);
    throw err;
  }
}

/** Turns a unique-index failure into a 409 naming the fields. */
async function writing<T>(def: CollectionDefinition, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw uniqueViolationError(def, err) ?? err;
  }
}

/** The relation values of `values`, each field's ids without repeats (own keys only: a relation named `constructor` absent from a patch is not Object). */
function relationIds(access: CollectionAccess, values: Record<string, unknown>): Array<{ field: CollectionDefinition['fields'][number]; ids: string[] }> {
  const out = [];
  for (const field of access.def.fields) {
    if (field.type !== 'relation' || !Object.hasOwn(values, field.name) || values[field.name] == null) continue;
    const ids = [...new Set((Array.isArray(values[field.name]) ? values[field.name] : [values[field.name]]) as string[])];
    if (ids.length > 0) out.push({ field, ids });
  }
  return out;
}

type RelationIds = ReturnType<typeof relationIds>;

/**
 * A create's insert: `INSERT INTO table (names) VALUES (params)`, or with
 * relations, `... SELECT params WHERE` every relation's ids exist (it then
 * inserts nothing when one is missing). Its text is kept per shape.
 */
function insertStatement(ctx: ServiceContext, access: CollectionAccess, names: string[], params: unknown[], relations: RelationIds): SQL {
  const tables = relations.map(({ field }) => ctx.db.table(tableName(field.collection!)));
  let key = `insert ${fragmentText(access.table)} ${names.join(' ')}`;
  const all = params.slice();
  for (let i = 0; i < relations.length; i++) {
    const { ids } = relations[i];
    key += ` ${fragmentText(tables[i])}:${ids.length}`;
    all.push(...ids);
    if (ids.length > 1) all.push(ids.length);
  }
  // The template's parameters come in the order `all` lists them: the values, then each relation's ids (and count).
  return shapes.get(key, () => {
    const into = sql`INSERT INTO ${access.table} (${sql.join(names.map((n) => sql.identifier(n)), sql`, `)}) `;
    const list = sql.join(params.map((p) => sql`${p}`), sql`, `);
    if (relations.length === 0) return sql`${into}VALUES (${list})`;
    const checks = relations.map(({ ids }, i) =>
      // ids are distinct and id is the primary key: all exist when as many rows match.
      ids.length === 1
        ? sql`EXISTS (SELECT 1 FROM ${tables[i]} WHERE id = ${ids[0]})`
        : sql`(SELECT COUNT(*) FROM ${tables[i]} WHERE id IN ${ids}) = ${ids.length}`,
    );
    return sql`${into}SELECT ${list} WHERE ${sql.join(checks, sql` AND `)}`;
  }).with(all);
}

/** Every relation value must point at an existing record (400 naming the field otherwise). */
async function checkRelations(ctx: ServiceContext, access: CollectionAccess, values: Record<string, unknown>): Promise<void> {
  const problems: Record<string, { code: string; message: string }> = {};
  for (const { field, ids } of relationIds(access, values)) {
    const table: SQL = ctx.db.table(tableName(field.collection!));
    const found = await ctx.db.all<{ id: string }>(sql`SELECT id FROM ${table} WHERE id IN ${ids}`);
    const missing = ids.filter((id) => !found.some((r) => r.id === id));
    if (missing.length) {
      problems[field.name] = { code: 'invalid_relation', message: `no record ${missing.map((m) => `'${m}'`).join(', ')} in '${field.collection}'` };
    }
  }
  if (Object.keys(problems).length) throw new ApiError('validation_failed', 'invalid relation', { fields: problems });
}
