import { AggregateError, aggregateItem, aggregateToSql, parseAggregate, type AggregateQuery, type AggregateSource } from '@baas/query';
import { queryApiError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { listScope } from './list.ts';

/** The options of an aggregate, as the query string gives them. */
export interface AggregateOptions extends AggregateSource {
  filter?: string;
  search?: string;
  limit?: number;
}

/** The reply of an aggregate: one item per group, keys and metrics by name. */
export interface AggregateResult {
  items: Array<Record<string, unknown>>;
}

export const DEFAULT_AGGREGATE_LIMIT = 100;
export const MAX_AGGREGATE_LIMIT = 1000;

/**
 * Groups and measures the records the actor may list: the same list rule,
 * filter and search a list ANDs in (listScope), so a caller aggregates exactly
 * what they could page through. One SELECT, parameterized, on either engine.
 */
export async function aggregateRecords(ctx: ServiceContext, collection: string, options: AggregateOptions): Promise<AggregateResult> {
  const scope = await listScope(ctx, collection, options);
  const query = parsed(options, { schema: scope.access.lookup, collection: scope.access.def.name });
  const limit = Math.min(options.limit ?? DEFAULT_AGGREGATE_LIMIT, MAX_AGGREGATE_LIMIT);
  const rows = await ctx.db.all(aggregateToSql(query, { dialect: ctx.db.dialect, table: scope.access.table, where: scope.where, limit }));
  return { items: rows.map((row) => aggregateItem(query, row)) };
}

function parsed(options: AggregateOptions, ctx: Parameters<typeof parseAggregate>[1]): AggregateQuery {
  try {
    return parseAggregate(options, ctx);
  } catch (err) {
    if (err instanceof AggregateError) throw queryApiError('invalid_aggregate', err.parameter, err, { parameter: err.parameter });
    throw err;
  }
}
