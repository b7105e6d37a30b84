import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition, ListResult } from '@baas/protocol';
import { parseSearch, parseSort, type Env, type SearchQuery } from '@baas/query';
import { RANK_COLUMNS, rankedSearch, searchCondition, searchSnippets } from '../../db/search-index.ts';
import { ApiError, orQueryError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { accessCollection, and, conditionsKey, envOf, filterCondition, ruleCondition, type CollectionAccess } from './access.ts';
import { rowToRecord } from '@baas/schema';
import { selectFields } from './codec.ts';
import { afterCursor, cursorKind, decodeCursor, encodeCursor, orderBy, type CursorKind, type OrderKey } from './cursor.ts';
import { expandRecords, parseExpand } from './expand.ts';

/** The options of a record list, as the query string gives them. */
export interface ListOptions {
  filter?: string;
  /** Full-text search over the collection's `search` fields; ranks by relevance unless `sort` is given. */
  search?: string;
  /** With `search`: each item gets `_highlight`, HTML snippets of its matching fields with `<mark>` around matches. */
  highlight?: boolean;
  sort?: string;
  limit?: number;
  cursor?: string;
  page?: number;
  perPage?: number;
  count?: boolean;
  expand?: string;
  fields?: string;
}

export const DEFAULT_LIMIT = 30;
export const MAX_LIMIT = 500;

/** The rows a list covers for this caller, and what an aggregate covers too. */
export interface ListScope {
  access: CollectionAccess;
  /** The list rule and the filter, ANDed. */
  ruleAndFilter: SQL;
  /** The parsed search, when there is one. */
  search?: SearchQuery;
  /** Every condition (the rule, the filter and the search match): what a count or an aggregate reads. */
  where: SQL;
}

/**
 * The list rule ANDed with the client's filter and search: the one place that
 * says which records a caller may list, used by lists, counts and aggregates.
 */
export async function listScope(ctx: ServiceContext, collection: string, options: { filter?: string; search?: string }): Promise<ListScope> {
  return scopeOf(ctx, await accessCollection(ctx, collection), options);
}

function scopeOf(ctx: ServiceContext, access: CollectionAccess, options: { filter?: string; search?: string }, env: Env = envOf(ctx)): ListScope {
  const ruleAndFilter = and(ruleCondition(ctx, access, 'list', env), filterCondition(ctx, access, options.filter, env));
  const search = searchOf(access, options.search);
  const where = search ? and(ruleAndFilter, searchCondition(ctx.db, access.def, access.table, search)) : ruleAndFilter;
  return { access, ruleAndFilter, search, where };
}

function searchOf(access: CollectionAccess, source: string | undefined): SearchQuery | undefined {
  if (source === undefined) return undefined;
  const query: SearchQuery | undefined = orQueryError('invalid_search', 'search', () => parseSearch(source));
  if (query && !access.def.search?.length) {
    throw new ApiError('invalid_search', `collection '${access.def.name}' is not searchable: give it a search option naming its text fields`);
  }
  return query;
}

// A ranked search pages by relevance: whether the whole search matched as a phrase, the rank, then id.
const rankedKeys: OrderKey[] = [
  { column: RANK_COLUMNS.phrase, desc: true, kind: 'number' },
  { column: RANK_COLUMNS.rank, desc: true, kind: 'number' },
  { column: 'id', desc: true, kind: 'text' },
];

/**
 * Lists records the actor may see: the list rule is ANDed into the SQL (so
 * paging and counts stay correct), then the client's filter and search, then
 * the keyset cursor. A search without `sort` orders by relevance, and its
 * cursor holds the last row's (phrase match, rank, id). Fetches one row more
 * than asked to know whether a next page exists.
 */
export async function listRecords(ctx: ServiceContext, collection: string, options: ListOptions): Promise<ListResult> {
  return listRecordsOf(ctx, await accessCollection(ctx, collection), options);
}

/** listRecords on a collection already resolved (the route keeps `access` to pick the reply's serializer). */
export async function listRecordsOf(ctx: ServiceContext, access: CollectionAccess, options: ListOptions): Promise<ListResult> {
  const plan = listPlan(ctx, access, options);
  const { search, keys, sortKey, limit, paged, page } = plan;
  const tree = parseExpand(options.expand, access.def, access.catalog);
  const rows = await ctx.db.all(plan.query);
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;

  const items = rows.map((row) => rowToRecord(access.def, row, ctx.db.dialect));
  await expandRecords(ctx, access, access.def, items, tree);
  if (search && options.highlight) {
    const snippets = await searchSnippets(ctx.db, access.def, access.table, search, items.map((r) => r.id));
    for (const item of items) item._highlight = snippets.get(item.id) ?? {};
  }
  const result: ListResult = {
    items: selectFields(items, options.fields),
    nextCursor: hasMore && !paged ? encodeCursor(sortKey, keys, rows[rows.length - 1]) : null,
  };
  if (paged) Object.assign(result, { page, perPage: limit });
  if (options.count) {
    const counted = await ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${access.table} WHERE ${plan.where}`);
    result.total = Number(counted?.n ?? 0);
  }
  return result;
}

/** A list's statement and what reading its rows needs: everything but the rows depends only on the request's shape. */
interface ListPlan {
  query: SQL;
  /** The count's condition (rule, filter, search). */
  where: SQL;
  search?: SearchQuery;
  keys: OrderKey[];
  sortKey: string;
  limit: number;
  paged: boolean;
  page: number;
}

/**
 * Plans per catalog (a schema change gives a new catalog, so a fresh cache,
 * here and, through the catalog's version, in every other process) and shape:
 * an app sends the same list (rule, filter, sort, limit, cursor) again and
 * again, and building its SQL (compiling the conditions to drizzle SQL, the
 * order, the cursor) was about a quarter of a list's own time. Searches are
 * planned every time.
 */
const plans = new WeakMap<ReadonlyMap<string, CollectionDefinition>, Map<string, ListPlan>>();
export const LIST_PLANS_SIZE = 1000;

function listPlan(ctx: ServiceContext, access: CollectionAccess, options: ListOptions): ListPlan {
  const env = envOf(ctx);
  // Only definitions of this catalog are cached under its name; a search is not cached.
  const conditions = options.search === undefined && access.catalog.get(access.def.name) === access.def
    ? conditionsKey(ctx, access, 'list', options.filter, env)
    : undefined;
  if (conditions === undefined) return buildPlan(ctx, access, options, env);
  let cache = plans.get(access.catalog);
  if (!cache) plans.set(access.catalog, (cache = new Map()));
  const key = JSON.stringify([access.def.name, conditions, options.sort, options.limit, options.page, options.perPage, options.cursor, ctx.db.dialect]);
  let plan = cache.get(key);
  if (!plan) {
    plan = buildPlan(ctx, access, options, env);
    if (cache.size >= LIST_PLANS_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, plan);
  }
  return plan;
}

/** The plan of a list: validates the request (400s and 403s in the order a reader meets them) and builds its SQL. */
function buildPlan(ctx: ServiceContext, access: CollectionAccess, options: ListOptions, env: Env): ListPlan {
  const scope = scopeOf(ctx, access, options, env);
  const { search } = scope;
  parseExpand(options.expand, access.def, access.catalog);
  const ranked = search !== undefined && !options.sort;
  const keys = ranked ? rankedKeys : orderKeys(access, options.sort);
  // The cursor belongs to its order: a ranked one to its search.
  const sortKey = ranked ? `\u0000search:${options.search}` : (options.sort ?? '');

  const paged = options.page !== undefined || options.perPage !== undefined;
  if (paged && options.cursor) throw new ApiError('validation_failed', 'use either cursor or page, not both');
  const limit = Math.min(paged ? (options.perPage ?? DEFAULT_LIMIT) : (options.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
  const page = options.page ?? 1;
  const cursor = options.cursor ? afterCursor(keys, decodeCursor(options.cursor, sortKey, keys)) : undefined;

  const source = ranked
    ? sql`(${rankedSearch(ctx.db, access.def, access.table, search, scope.ruleAndFilter)}) AS ranked WHERE ${and(cursor)}`
    : sql`${access.table} WHERE ${and(scope.where, cursor)}`;
  const query = sql`SELECT * FROM ${source} ORDER BY ${orderBy(keys)}
    LIMIT ${limit + 1}${paged ? sql` OFFSET ${(page - 1) * limit}` : sql``}`;
  return { query, where: scope.where, search, keys, sortKey, limit, paged, page };
}

/** The sort keys, validated against sortable fields, with `id` last as the tie-breaker. */
function orderKeys(access: CollectionAccess, sort: string | undefined): OrderKey[] {
  let keys: OrderKey[] = [];
  if (sort) {
    keys = orQueryError('invalid_sort', 'sort', () => parseSort(sort, (name) => isSortable(access, name)))
      .map((k) => ({ column: k.field, desc: k.desc, kind: kindOf(access, k.field) }));
  }
  // The tie-breaker follows the last key's direction, as the indexes do (collection-tables.ts).
  if (!keys.some((k) => k.column === 'id')) keys.push({ column: 'id', desc: keys.length > 0 && keys[keys.length - 1].desc, kind: 'text' });
  return keys.slice(0, keys.findIndex((k) => k.column === 'id') + 1);
}

/** System columns are text; fields by their type. */
function kindOf(access: CollectionAccess, name: string): CursorKind {
  return cursorKind(access.def.fields.find((f) => f.name === name)?.type ?? 'text');
}

function isSortable(access: CollectionAccess, name: string): boolean {
  if (name === 'id' || name === 'created_at' || name === 'updated_at') return true;
  const field = access.def.fields.find((f) => f.name === name);
  return !!field && field.type !== 'json' && !field.multiple;
}

