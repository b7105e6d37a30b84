import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition, CollectionRules } from '@baas/protocol';
import { check, parse, QueryError, toSql, type Env, type Expr, type SchemaLookup } from '@baas/query';
import { ApiError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import { tableName } from '../../db/collection-tables.ts';
import { authOf, isPrivileged, type ServiceContext } from '../context.ts';
import { collectionsService } from '../collections.ts';
import { schemaLookup } from '../schema-lookup.ts';

/** Everything a records call needs about its collection, resolved once per call. */
export interface CollectionAccess {
  def: CollectionDefinition;
  catalog: ReadonlyMap<string, CollectionDefinition>;
  lookup: SchemaLookup;
  /** The main table, as queries refer to it. */
  table: SQL;
}

const lookups = new WeakMap<ReadonlyMap<string, CollectionDefinition>, SchemaLookup>();

/** Resolves a collection (404 when missing) with its schema lookup. */
export async function accessCollection(ctx: ServiceContext, name: string): Promise<CollectionAccess> {
  const catalog = await collectionsService.catalog(ctx);
  const def = catalog.get(name);
  if (!def) throw new ApiError('collection_not_found', `no collection '${name}'`);
  let lookup = lookups.get(catalog);
  if (!lookup) lookups.set(catalog, (lookup = schemaLookup(catalog)));
  return { def, catalog, lookup, table: ctx.db.table(tableName(name)) };
}

// Parsed expressions by source: rules repeat on every request, and so do the filters of an app.
const parsed = new Map<string, Expr>();
const PARSED_CACHE_SIZE = 1000;

function parseCached(source: string): Expr {
  let expr = parsed.get(source);
  if (!expr) {
    expr = parse(source);
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.clear();
    parsed.set(source, expr);
  }
  return expr;
}

/** The values rules and filters see for this call. */
export function envOf(ctx: ServiceContext, requestData?: Record<string, unknown>): Env {
  return { auth: authOf(ctx.actor), request: { data: requestData ?? {} }, now: nowIso() };
}

function compile(ctx: ServiceContext, access: CollectionAccess, expr: Expr, env: Env, collection = access.def.name): SQL {
  return toSql(expr, {
    dialect: ctx.db.dialect,
    schema: access.lookup,
    collection,
    table: (c) => ctx.db.table(tableName(c)),
    alias: collection === access.def.name ? access.table : undefined,
    env,
  });
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
  if (isPrivileged(ctx.actor)) return undefined;
  const source = def.rules[rule];
  if (source === null || source === undefined) {
    throw new ApiError('forbidden', `only the service role may ${rule} records of '${def.name}'`);
  }
  if (source.trim() === '') return undefined;
  return compile(ctx, access, parseCached(source), env, def.name);
}

/** The SQL of a client filter, or a 400 that points at the problem. */
export function filterCondition(ctx: ServiceContext, access: CollectionAccess, source: string | undefined, env: Env): SQL | undefined {
  if (source === undefined || source.trim() === '') return undefined;
  try {
    const expr = parseCached(source);
    check(expr, { schema: access.lookup, collection: access.def.name });
    return compile(ctx, access, expr, env);
  } catch (err) {
    if (err instanceof QueryError) {
      throw new ApiError('invalid_filter', `invalid filter: ${err.message}`, { position: err.position, column: err.column });
    }
    throw err;
  }
}

/** ANDs conditions, skipping the absent ones. */
export function and(...conditions: Array<SQL | undefined>): SQL {
  const present = conditions.filter((c): c is SQL => c !== undefined);
  return present.length ? sql.join(present.map((c) => sql`(${c})`), sql` AND `) : sql`1 = 1`;
}
