import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition, CollectionRules, RecordData } from '@baas/protocol';
import {
  compile, schemaLookup, type Compiled, type CompiledSqlContext, type Dialect, type Env, type SchemaLookup, type SqlContext,
} from '@baas/query';
import { columnType } from '@baas/schema';
import { ApiError, orQueryError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import { tableName } from '../../db/collection-tables.ts';
import { authOf, isPrivileged, type ServiceContext } from '../context.ts';
import { collectionCatalog } from '../collections.ts';
import { valuesToColumns } from './codec.ts';

/** Everything a records call needs about its collection, resolved once per call. */
export interface CollectionAccess {
  def: CollectionDefinition;
  catalog: ReadonlyMap<string, CollectionDefinition>;
  lookup: SchemaLookup;
  /** The main table, as queries refer to it. */
  table: SQL;
}

/** Resolves a collection (404 when missing) with its schema lookup. */
export async function accessCollection(ctx: ServiceContext, name: string): Promise<CollectionAccess> {
  const catalog = await collectionCatalog(ctx);
  const def = catalog.get(name);
  if (!def) throw new ApiError('collection_not_found', `no collection '${name}'`);
  return { def, catalog, lookup: schemaLookup(catalog), table: ctx.db.table(tableName(name)) };
}

/**
 * An expression of a collection, compiled once per catalog (one per schema
 * version) and source: rules and an app's filters repeat on every request.
 */
function compiled(access: CollectionAccess, source: string, collection: string = access.def.name): Compiled {
  return compile(access.lookup, collection, source);
}

/** The values rules and filters see for this call. */
export function envOf(ctx: ServiceContext, requestData?: Record<string, unknown>): Env {
  // `now` on first read, then fixed: few rules read it, and formatting a date
  // was a visible share of a get; one request still sees one instant.
  let now: string | undefined;
  return {
    auth: authOf(ctx.actor),
    request: { data: requestData ?? {} },
    get now() {
      return (now ??= nowIso());
    },
  };
}

function sqlContext(ctx: ServiceContext, access: CollectionAccess, env: Env, collection: string): CompiledSqlContext {
  return {
    dialect: ctx.db.dialect,
    table: (c) => ctx.db.table(tableName(c)),
    alias: collection === access.def.name ? access.table : undefined,
    env,
  };
}

/** The rule's source for this actor: undefined when nothing applies, 403 when it is locked. */
function ruleSource(ctx: ServiceContext, def: CollectionDefinition, rule: keyof CollectionRules): string | undefined {
  if (isPrivileged(ctx.actor)) return undefined;
  const source = def.rules[rule];
  if (source === null || source === undefined) {
    throw new ApiError('forbidden', `only the service role may ${rule} records of '${def.name}'`);
  }
  return source.trim() === '' ? undefined : source;
}

/**
 * The SQL condition a rule adds for this actor: undefined when nothing is
 * added (privileged actor, or the empty rule), 403 when the rule is locked.
 */
export function ruleCondition(
  ctx: ServiceContext,
  access: CollectionAccess,
  rule: keyof CollectionRules,
  env: Env,
  def: CollectionDefinition = access.def,
): SQL | undefined {
  const source = ruleSource(ctx, def, rule);
  if (source === undefined) return undefined;
  const compiledRule = compiled(access, source, def.name);
  // A rule that reads no field (`auth.id != null`) says the same of every row:
  // judged once in memory (the evaluator agrees with the SQL, as the query
  // package's property test proves), it adds nothing or refuses every row,
  // instead of SQL built and run per request.
  if (!compiledRule.readsFields) return compiledRule.evaluate({}, env) ? undefined : noRow;
  return compiledRule.toSql(sqlContext(ctx, access, env, def.name));
}

/**
 * What the SQL of `rule` ANDed with `filter` depends on for this call beyond
 * the catalog and the two sources: the actor's privilege and the request
 * values they read. Two calls with the same key get the same SQL, so a
 * statement built for one serves the other. Undefined when it cannot be
 * reused: a source reads `now` or `request` (they change per call), the
 * filter follows a relation (its guards compile the related view rules), or
 * the filter does not compile (the normal path reports it). Throws the
 * rule's 403 as ruleCondition does.
 */
export function conditionsKey(ctx: ServiceContext, access: CollectionAccess, rule: keyof CollectionRules, filter: string | undefined, env: Env): string | undefined {
  const source = ruleSource(ctx, access.def, rule);
  let ruleKey = '';
  if (source !== undefined) {
    const compiledRule = compiled(access, source);
    if (!onlyAuth(compiledRule)) return undefined;
    ruleKey = compiledRule.envKey(env);
  }
  let filterKey = '';
  if (filter !== undefined && filter.trim() !== '') {
    let compiledFilter: Compiled;
    try {
      compiledFilter = compiled(access, filter);
    } catch {
      return undefined;
    }
    if (compiledFilter.readsRelations || !onlyAuth(compiledFilter)) return undefined;
    filterKey = compiledFilter.envKey(env);
  }
  return JSON.stringify([isPrivileged(ctx.actor), source ?? null, ruleKey, filter ?? null, filterKey]);
}

const onlyAuth = (c: Compiled) => c.envPaths.every((path) => path[0] === 'auth');

/** A condition no row meets. */
const noRow = sql`1 = 0`;

/**
 * A rule of a record collection, judged on one record: in memory when the
 * rule reads no relation (the evaluator agrees with the SQL on every row,
 * which the query package's property test proves), saving a query; else in
 * SQL, on the row as `row` gives it (the stored row, or one not yet inserted).
 */
async function judgeRecord(ctx: ServiceContext, access: CollectionAccess, source: string, env: Env, record: RecordData, row: () => SQL): Promise<boolean> {
  const rule = compiled(access, source);
  if (!rule.readsRelations) return rule.evaluate(record, env);
  const alias = sql`${sql.identifier('__judged')}`;
  const condition = rule.toSql({ ...sqlContext(ctx, access, env, access.def.name), alias });
  return (await ctx.db.get(sql`SELECT 1 AS ok FROM ${row()} AS ${alias} WHERE ${condition}`)) !== undefined;
}

/**
 * Whether the create rule allows a new record, judged on the record as it
 * will be stored, BEFORE it is inserted: a refused caller must learn nothing
 * from the insert (a unique index answering 409, a relation check answering
 * 400). A rule that reads relations sees them as they are before this create.
 * 403 when the rule is locked.
 */
export async function createAllowed(ctx: ServiceContext, access: CollectionAccess, env: Env, record: RecordData): Promise<boolean> {
  const source = ruleSource(ctx, access.def, 'create');
  if (source === undefined) return true;
  return judgeRecord(ctx, access, source, env, record, () => newRow(access.def, record, ctx.db.dialect));
}

/**
 * Whether the caller may view a record as it now stands in `ctx.db` (after a
 * write, inside its transaction): a write's reply must not show what a read
 * would hide. A locked view rule hides it from everyone but the service role.
 */
export async function viewAllowed(ctx: ServiceContext, access: CollectionAccess, record: RecordData): Promise<boolean> {
  if (isPrivileged(ctx.actor)) return true;
  const source = access.def.rules.view;
  if (source === null || source === undefined) return false;
  if (source.trim() === '') return true;
  return judgeRecord(ctx, access, source, envOf(ctx), record, () => sql`(SELECT * FROM ${access.table} WHERE ${sql.identifier('id')} = ${record.id})`);
}

/**
 * A record not yet stored, as a one-row derived table with the columns of
 * the collection's table, typed alike (PostgreSQL needs the casts to compare
 * parameters with typed values).
 */
function newRow(def: CollectionDefinition, record: RecordData, dialect: Dialect): SQL {
  const columns = valuesToColumns(def, record, dialect);
  const text = dialect === 'postgres' ? 'text COLLATE "C"' : undefined;
  const column = (name: string, value: unknown, type: string | undefined) => {
    if (type === undefined) return sql`${value} AS ${sql.identifier(name)}`;
    const [base, collation] = type.split(' COLLATE ');
    return sql`CAST(${value} AS ${sql.raw(base)})${sql.raw(collation ? ` COLLATE ${collation}` : '')} AS ${sql.identifier(name)}`;
  };
  const system = (['id', 'created_at', 'updated_at'] as const).map((name) => column(name, record[name], text));
  const fields = def.fields.map((f) => column(f.name, columns.get(f.name) ?? null, dialect === 'postgres' ? columnType(f, dialect) : undefined));
  return sql`(SELECT ${sql.join([...system, ...fields], sql`, `)})`;
}

/**
 * The SQL of a client filter, or a 400 that points at the problem. Relation
 * paths in a filter only see related records the caller may view: otherwise
 * `author.email ~ 'a'` would probe records the view rule hides.
 */
export function filterCondition(ctx: ServiceContext, access: CollectionAccess, source: string | undefined, env: Env): SQL | undefined {
  if (source === undefined || source.trim() === '') return undefined;
  return orQueryError('invalid_filter', 'filter', () =>
    compiled(access, source).toSql({ ...sqlContext(ctx, access, env, access.def.name), visible: viewGuard(ctx, access, env) }));
}

/** The view rule of a related collection, as a condition on one of its rows. */
function viewGuard(ctx: ServiceContext, access: CollectionAccess, env: Env): SqlContext['visible'] {
  if (isPrivileged(ctx.actor)) return undefined;
  return (collection, row) => {
    // Users expose only harmless fields to filters (see @baas/query lookup.ts).
    if (collection === 'users') return undefined;
    const def = access.catalog.get(collection);
    const source = def?.rules.view;
    if (!def || source === null || source === undefined) return sql`1 = 0`;
    if (source.trim() === '') return undefined;
    return compiled(access, source, collection).toSql({ ...sqlContext(ctx, access, env, collection), alias: row, aliasPrefix: 'g' });
  };
}

/** ANDs conditions, skipping the absent ones. */
export function and(...conditions: Array<SQL | undefined>): SQL {
  const present = conditions.filter((c): c is SQL => c !== undefined);
  return present.length ? sql.join(present.map((c) => sql`(${c})`), sql` AND `) : sql`1 = 1`;
}
