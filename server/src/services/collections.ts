import { sql } from 'drizzle-orm';
import type { CollectionDefinition } from '@baas/protocol';
import { normalizeCollection, ruleNames, SchemaError, toColumnValue } from '@baas/schema';
import { compile, QueryError, schemaLookup } from '@baas/query';
import { ApiError, queryProblem } from '../errors.ts';
import { nowIso } from '../ids.ts';
import { alterCollectionTable, createCollectionTable, dropCollectionTable, storageNames, tableName } from '../db/collection-tables.ts';
import type { Database } from '../db/database.ts';
import { bumpVersion } from '../db/shared-state.ts';
import { isPrivileged, type ServiceContext } from './context.ts';
import { uniqueViolationError } from './unique.ts';
import { forgetCollectionChanges } from '../db/change-log.ts';

/**
 * Held exclusively by every schema change and shared by every record write
 * (records/write.ts), so on PostgreSQL a write never meets a table its
 * definition no longer describes; SQLite's transactions are serial already.
 */
export const SCHEMA_LOCK = 'schema';

// Collection definitions and their tables. A definition and its DDL change in
// one transaction, which bumps the catalog's version (db/shared-state.ts);
// the in-memory catalog is replaced only after commit, and every other
// process reloads it within the state bound.

/** The project's collections by name, cached on the project while its version is current. */
export async function collectionCatalog(ctx: Pick<ServiceContext, 'project' | 'db'>): Promise<ReadonlyMap<string, CollectionDefinition>> {
  return ctx.project.state.get('collections', ctx.db, () => loadCatalog(ctx));
}

export async function listCollections(ctx: ServiceContext): Promise<CollectionDefinition[]> {
  requirePrivileged(ctx);
  return [...(await collectionCatalog(ctx)).values()];
}

/** A collection's definition, or 404. Anyone may resolve one (records need it); only the API guards reads. */
export async function getCollection(ctx: ServiceContext, name: string): Promise<CollectionDefinition> {
  const def = (await collectionCatalog(ctx)).get(name);
  if (!def) throw new ApiError('collection_not_found', `no collection '${name}'`);
  return def;
}

export async function createCollection(ctx: ServiceContext, input: unknown): Promise<CollectionDefinition> {
  requirePrivileged(ctx);
  const def = stamp(normalize(input));
  const result = await ctx.db.transaction(async (tx) => {
    const catalog = await lockedCatalog(tx);
    if (catalog.has(def.name)) throw new ApiError('conflict', `collection '${def.name}' exists`);
    const next = new Map(catalog).set(def.name, def);
    validateAgainst(next);
    refuseNameClashes(next, def);
    await createCollectionTable(tx, def);
    await tx.run(sql`INSERT INTO ${tx.table('_collections')} (name, definition, created_at, updated_at)
      VALUES (${def.name}, ${JSON.stringify(def)}, ${def.createdAt}, ${def.updatedAt})`);
    return { next, version: await bumpVersion(tx, 'collections') };
  });
  installCatalog(ctx, result);
  return def;
}

/**
 * Changes a collection. Removing fields that hold data (a value other than
 * null in some record) is refused with 409 `would_drop_data` naming them and
 * their record counts, unless `options.drop` names each of them: a PATCH with
 * a partial field list must never silently delete columns.
 */
export async function updateCollection(ctx: ServiceContext, name: string, patch: unknown, options: { drop?: readonly string[] } = {}): Promise<CollectionDefinition> {
  requirePrivileged(ctx);
  let updated!: CollectionDefinition;
  const result = await ctx.db.transaction(async (tx) => {
    const catalog = await lockedCatalog(tx);
    const before = catalog.get(name);
    if (!before) throw new ApiError('collection_not_found', `no collection '${name}'`);
    updated = { ...normalize(patch, before), createdAt: before.createdAt, updatedAt: nowIso() };
    const next = new Map(catalog);
    if (updated.name !== name) {
      if (catalog.has(updated.name)) throw new ApiError('conflict', `collection '${updated.name}' exists`);
      refuseIfReferenced(catalog, name, 'rename');
      next.delete(name);
    }
    next.set(updated.name, updated);
    validateAgainst(next);
    refuseNameClashes(next, updated);
    await refuseDataLoss(tx, before, updated, options.drop ?? []);
    const defaults = new Map(
      updated.fields
        .filter((f) => f.default !== undefined && !before.fields.some((b) => b.id === f.id))
        .map((f) => [f.name, toColumnValue(f, f.default, tx.dialect)]),
    );
    try {
      await alterCollectionTable(tx, before, updated, defaults);
    } catch (err) {
      // A new unique index (or a default given to every row) met duplicates: the caller's data, not a server fault.
      throw uniqueViolationError(updated, err, (fields) => `existing records of '${name}' have duplicate values of ${fields.join(', ') || 'a unique index'}; make them distinct first`) ?? err;
    }
    await tx.run(sql`UPDATE ${tx.table('_collections')} SET name = ${updated.name}, definition = ${JSON.stringify(updated)},
      updated_at = ${updated.updatedAt} WHERE name = ${name}`);
    return { next, version: await bumpVersion(tx, 'collections') };
  });
  installCatalog(ctx, result);
  return updated;
}

export async function deleteCollection(ctx: ServiceContext, name: string): Promise<void> {
  requirePrivileged(ctx);
  const result = await ctx.db.transaction(async (tx) => {
    const catalog = await lockedCatalog(tx);
    const def = catalog.get(name);
    if (!def) throw new ApiError('collection_not_found', `no collection '${name}'`);
    refuseIfReferenced(catalog, name, 'delete');
    const next = new Map(catalog);
    next.delete(name);
    validateAgainst(next);
    await dropCollectionTable(tx, def);
    await forgetCollectionChanges(tx, name);
    await tx.run(sql`DELETE FROM ${tx.table('_collections')} WHERE name = ${name}`);
    return { next, version: await bumpVersion(tx, 'collections') };
  });
  installCatalog(ctx, result);
}

/**
 * After a committed schema change: this process's catalog is the new one at
 * once. Inside a caller's transaction nothing is committed yet, so nothing is
 * cached (the caller drops the catalog when it ends, see importSchema in schema.ts).
 */
function installCatalog(ctx: ServiceContext, result: { next: Map<string, CollectionDefinition>; version: number }): void {
  if (!ctx.db.inTransaction) ctx.project.state.set('collections', result.version, result.next);
}

/** What removing fields from a collection would delete: the fields that hold a value in some record, with their counts. */
export async function dataDropped(db: Database, before: CollectionDefinition, after: CollectionDefinition | undefined): Promise<Array<{ field: string; records: number }>> {
  const removed = before.fields.filter((f) => !after?.fields.some((a) => a.id === f.id));
  const out: Array<{ field: string; records: number }> = [];
  for (const field of removed) {
    const row = await db.get<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM ${db.table(tableName(before.name))} WHERE ${sql.identifier(field.name)} IS NOT NULL`,
    );
    const records = Number(row?.n ?? 0);
    if (records > 0) out.push({ field: field.name, records });
  }
  return out;
}

async function refuseDataLoss(db: Database, before: CollectionDefinition, after: CollectionDefinition, allowed: readonly string[]): Promise<void> {
  const refused = (await dataDropped(db, before, after)).filter((d) => !allowed.includes(d.field));
  if (refused.length === 0) return;
  const list = refused.map((d) => `${d.field} (${d.records} record${d.records === 1 ? '' : 's'})`).join(', ');
  throw new ApiError('would_drop_data', `removing ${list} from '${before.name}' would delete their data; to drop it, say so with drop=${refused.map((d) => d.field).join(',')}`, {
    drop: refused,
  });
}

/**
 * Schema changes of a project are serialized: each takes the project's schema
 * lock (an advisory transaction lock on PostgreSQL; SQLite has one writer)
 * and only then reads the catalog, so it validates and applies its change on
 * top of the definition the previous change committed — never on a copy read
 * before it. Two PATCHes at once both succeed, the second applied to the
 * first's result (or refused by validation against it); definition and table
 * always agree.
 */
export async function lockedCatalog(tx: Database): Promise<Map<string, CollectionDefinition>> {
  await tx.lockUntilCommit(SCHEMA_LOCK);
  return loadCatalog({ db: tx });
}

async function loadCatalog(ctx: Pick<ServiceContext, 'db'>): Promise<Map<string, CollectionDefinition>> {
  const rows = await ctx.db.all<{ definition: string }>(sql`SELECT definition FROM ${ctx.db.table('_collections')} ORDER BY name`);
  return new Map(
    rows.map((r) => {
      const def = JSON.parse(r.definition) as CollectionDefinition;
      return [def.name, def];
    }),
  );
}

function requirePrivileged(ctx: ServiceContext): void {
  if (!isPrivileged(ctx.actor)) throw new ApiError('forbidden', 'only admins and the service role manage collections');
}

/** A definition in canonical form, or 400 `invalid_schema` listing every problem. */
export function normalize(input: unknown, existing?: CollectionDefinition): CollectionDefinition {
  try {
    return normalizeCollection(input, existing);
  } catch (err) {
    if (err instanceof SchemaError) throw new ApiError('invalid_schema', err.message, err.details);
    throw err;
  }
}

function stamp(def: CollectionDefinition): CollectionDefinition {
  const now = nowIso();
  return { ...def, createdAt: now, updatedAt: now };
}

/**
 * Checks what only the whole catalog can tell: relation targets exist, and
 * every rule of every collection still compiles (a rename or removed field
 * may break a rule elsewhere through a relation path).
 */
export function validateAgainst(catalog: ReadonlyMap<string, CollectionDefinition>): void {
  const lookup = schemaLookup(catalog);
  const problems: Record<string, { code: string; message: string; position?: number; column?: number }> = {};
  for (const def of catalog.values()) {
    def.fields.forEach((f, i) => {
      if (f.type === 'relation' && f.collection !== 'users' && !catalog.has(f.collection!)) {
        problems[`${def.name}.fields.${i}.collection`] = { code: 'unknown_collection', message: `no collection '${f.collection}'` };
      }
    });
    for (const rule of ruleNames) {
      const source = def.rules[rule];
      if (!source) continue;
      try {
        compile(lookup, def.name, source);
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        problems[`${def.name}.rules.${rule}`] = { code: 'invalid_rule', ...queryProblem(err) };
      }
    }
  }
  const keys = Object.keys(problems);
  if (keys.length) {
    const first = problems[keys[0]];
    throw new ApiError(first.code === 'invalid_rule' ? 'invalid_rule' : 'invalid_schema', `${keys[0]}: ${first.message}`, { fields: problems });
  }
}

function refuseIfReferenced(catalog: ReadonlyMap<string, CollectionDefinition>, name: string, what: string): void {
  for (const def of catalog.values()) {
    if (def.name === name) continue;
    const field = def.fields.find((f) => f.type === 'relation' && f.collection === name);
    if (field) throw new ApiError('conflict', `cannot ${what} '${name}': ${def.name}.${field.name} refers to it`);
  }
}

/**
 * Tables and indexes share one namespace per store on both engines, so a
 * collection may not take a name another collection's table or index has
 * (an explicit index named `posts`, a collection named `uq_posts_slug`).
 * `sqlite_` names are SQLite's own; refused everywhere so a project can move
 * between engines.
 */
function refuseNameClashes(catalog: ReadonlyMap<string, CollectionDefinition>, changed: CollectionDefinition): void {
  const owners = new Map<string, string>();
  for (const def of catalog.values()) {
    if (def === changed) continue;
    for (const { name, kind } of storageNames(def)) owners.set(name, `${kind === 'table' ? 'collection' : `an index of '${def.name}'`}`);
  }
  const seen = new Set<string>();
  for (const { name, kind } of storageNames(changed)) {
    const what = kind === 'table' ? 'collection name' : 'index name';
    if (name.startsWith('sqlite_')) {
      throw new ApiError('invalid_schema', `${what} '${name}' is reserved (sqlite_ names belong to the engine)`, {
        fields: { [kind === 'table' ? 'name' : 'indexes']: { code: 'reserved_name', message: `'${name}' starts with sqlite_` } },
      });
    }
    const owner = owners.get(name) ?? (seen.has(name) ? `another index of '${changed.name}'` : undefined);
    if (owner) throw new ApiError('conflict', `${what} '${name}' is already taken by ${owner === 'collection' ? `the collection '${name}'` : owner}`);
    seen.add(name);
  }
}
