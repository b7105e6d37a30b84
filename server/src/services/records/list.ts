import { sql } from 'drizzle-orm';
import type { ListResult, RecordData } from '@baas/protocol';
import { parseSort, QueryError } from '@baas/query';
import { ApiError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { accessCollection, and, envOf, filterCondition, ruleCondition, type CollectionAccess } from './access.ts';
import { rowToRecord } from './codec.ts';
import { afterCursor, decodeCursor, encodeCursor, orderBy, type OrderKey } from './cursor.ts';
import { expandRecords, parseExpand } from './expand.ts';

/** The options of a record list, as the query string gives them. */
export interface ListOptions {
  filter?: string;
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

/**
 * Lists records the actor may see: the list rule is ANDed into the SQL (so
 * paging and counts stay correct), then the client's filter, then the keyset
 * cursor. Fetches one row more than asked to know whether a next page exists.
 */
export async function listRecords(ctx: ServiceContext, collection: string, options: ListOptions): Promise<ListResult> {
  const access = await accessCollection(ctx, collection);
  const env = envOf(ctx);
  const rule = ruleCondition(ctx, access, 'list', env);
  const filter = filterCondition(ctx, access, options.filter, env);
  const tree = parseExpand(options.expand, access.def, access.catalog);
  const keys = orderKeys(access, options.sort);
  const sortKey = options.sort ?? '';

  const paged = options.page !== undefined || options.perPage !== undefined;
  if (paged && options.cursor) throw new ApiError('validation_failed', 'use either cursor or page, not both');
  const limit = Math.min(paged ? (options.perPage ?? DEFAULT_LIMIT) : (options.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
  const page = options.page ?? 1;
  const cursor = options.cursor ? afterCursor(keys, decodeCursor(options.cursor, sortKey, keys)) : undefined;

  const where = and(rule, filter, cursor);
  const rows = await ctx.db.all(sql`SELECT * FROM ${access.table} WHERE ${where} ORDER BY ${orderBy(keys)}
    LIMIT ${limit + 1}${paged ? sql` OFFSET ${(page - 1) * limit}` : sql``}`);
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;

  const items = rows.map((row) => rowToRecord(access.def, row, ctx.db.dialect));
  await expandRecords(ctx, access, access.def, items, tree);
  const result: ListResult = {
    items: project(items, options.fields),
    nextCursor: hasMore && !paged ? encodeCursor(sortKey, keys, rows[rows.length - 1]) : null,
  };
  if (paged) Object.assign(result, { page, perPage: limit });
  if (options.count) {
    const counted = await ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${access.table} WHERE ${and(rule, filter)}`);
    result.total = Number(counted?.n ?? 0);
  }
  return result;
}

/** The sort keys, validated against sortable fields, with `id` last as the tie-breaker. */
function orderKeys(access: CollectionAccess, sort: string | undefined): OrderKey[] {
  let keys: OrderKey[] = [];
  if (sort) {
    try {
      keys = parseSort(sort, (name) => isSortable(access, name)).map((k) => ({ column: k.field, desc: k.desc }));
    } catch (err) {
      if (err instanceof QueryError) {
        throw new ApiError('invalid_sort', `invalid sort: ${err.message}`, { position: err.position, column: err.column });
      }
      throw err;
    }
  }
  // The tie-breaker follows the last key's direction, as the indexes do (collection-tables.ts).
  if (!keys.some((k) => k.column === 'id')) keys.push({ column: 'id', desc: keys.length > 0 && keys[keys.length - 1].desc });
  return keys.slice(0, keys.findIndex((k) => k.column === 'id') + 1);
}

function isSortable(access: CollectionAccess, name: string): boolean {
  if (name === 'id' || name === 'created_at' || name === 'updated_at') return true;
  const field = access.def.fields.find((f) => f.name === name);
  return !!field && field.type !== 'json' && !field.multiple;
}

/** Keeps only the asked-for fields (`fields=id,title`); `expand` stays when it was asked for. */
export function project(records: RecordData[], fields: string | undefined): RecordData[] {
  if (!fields) return records;
  const keep = new Set(fields.split(',').map((f) => f.trim()).filter(Boolean));
  keep.add('expand');
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k))) as RecordData);
}
