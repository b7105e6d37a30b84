/**
 * Compiles a parsed aggregate to one parameterized SELECT for SQLite or
 * PostgreSQL, and reads its rows back, so that both engines give the same
 * items: the same keys (dates truncated in UTC, weeks from Monday), the same
 * JSON types (see ResultType) and the same order (nulls lowest, like lists).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AggregateQuery, GroupKey, Metric } from './aggregate.ts';
import type { Dialect } from './index.ts';

/** What the compiler needs besides the query. */
export interface AggregateSqlContext {
  dialect: Dialect;
  /** The collection's table, as the condition refers to it. */
  table: SQL;
  /** The rows to aggregate: the list rule, the filter (and a search) ANDed, as a list has them. */
  where: SQL;
  limit: number;
}

const MIDNIGHT = "'T00:00:00.000Z'";

// Result columns get positional aliases: a field may be called anything, even `count`.
const keyAlias = (i: number) => sql.identifier(`__k${i}`);
const metricAlias = (i: number) => sql.identifier(`__m${i}`);

/**
 * A group key's expression. Dates are stored as ISO-8601 UTC text
 * (`2024-05-03T10:20:30.000Z`), so a day or a month is a prefix of it;
 * a week is the Monday on or before the day. Every key is again an ISO date.
 * No bound parameters: PostgreSQL matches GROUP BY expressions by their text.
 */
function keySql(key: GroupKey, column: SQL, d: Dialect): SQL {
  switch (key.unit) {
    case undefined:
      return column;
    case 'day':
      return sql`(substr(${column}, 1, 10) || ${sql.raw(MIDNIGHT)})`;
    case 'month':
      return sql`(substr(${column}, 1, 7) || ${sql.raw("'-01T00:00:00.000Z'")})`;
    case 'week':
      if (d === 'sqlite') return sql`(date(substr(${column}, 1, 10), '-6 days', 'weekday 1') || ${sql.raw(MIDNIGHT)})`;
      return sql`(to_char(substr(${column}, 1, 10)::date - (extract(isodow from substr(${column}, 1, 10)::date)::int - 1), 'YYYY-MM-DD') || ${sql.raw(MIDNIGHT)})`;
  }
}

/**
 * A metric's expression. The engines are made to agree on types: PostgreSQL's
 * sum of a bigint is numeric (cast back to bigint), its avg of integers is
 * computed as SQLite does (the exact sum divided once, in double precision).
 */
function metricSql(metric: Metric, column: SQL | undefined, d: Dialect): SQL {
  if (!column) return sql`count(*)`;
  switch (metric.fn) {
    case 'count':
      return sql`count(${column})`;
    case 'sum':
      return d === 'postgres' && metric.type === 'integer' ? sql`sum(${column})::bigint` : sql`sum(${column})`;
    case 'avg':
      return d === 'postgres' ? sql`(sum(${column})::double precision / nullif(count(${column}), 0))` : sql`avg(${column})`;
    case 'min':
      return sql`min(${column})`;
    case 'max':
      return sql`max(${column})`;
  }
}

/**
 * The SELECT of an aggregate. Keys group by position (GROUP BY 1, 2), the
 * order is the asked-for keys then the remaining group keys ascending, so it
 * is total. Without group keys it yields exactly one row, empty input too.
 */
export function aggregateToSql(query: AggregateQuery, ctx: AggregateSqlContext): SQL {
  const d = ctx.dialect;
  const column = (field: string) => sql`${ctx.table}.${sql.identifier(field)}`;
  const columns = [
    ...query.groupBy.map((k, i) => sql`${keySql(k, column(k.field), d)} AS ${keyAlias(i)}`),
    ...query.select.map((m, i) => sql`${metricSql(m, m.field === undefined ? undefined : column(m.field), d)} AS ${metricAlias(i)}`),
  ];
  const parts = [sql`SELECT ${sql.join(columns, sql`, `)} FROM ${ctx.table} WHERE ${ctx.where}`];
  if (query.groupBy.length) {
    parts.push(sql`GROUP BY ${sql.raw(query.groupBy.map((_, i) => i + 1).join(', '))}`);
    const order = [...query.sort];
    for (const k of query.groupBy) if (!order.some((o) => o.name === k.name)) order.push({ name: k.name, desc: false });
    const terms = order.map((o) => {
      const key = query.groupBy.findIndex((k) => k.name === o.name);
      const alias = key >= 0 ? keyAlias(key) : metricAlias(query.select.findIndex((m) => m.name === o.name));
      return sql`${alias} ${sql.raw(o.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST')}`;
    });
    parts.push(sql`ORDER BY ${sql.join(terms, sql`, `)} LIMIT ${ctx.limit}`);
  }
  return sql.join(parts, sql` `);
}

/** A result value as JSON: SQLite's 0/1 booleans, numeric strings and bigints become their types. */
function decode(value: unknown, type: Metric['type']): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'boolean':
      return value === true || value === 1 || value === 1n;
    case 'integer':
    case 'number':
      return Number(value);
    default:
      return value;
  }
}

/** One row of the aggregate's SELECT -> one result item, named as the query names its keys and metrics. */
export function aggregateItem(query: AggregateQuery, row: Record<string, unknown>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  query.groupBy.forEach((k, i) => (item[k.name] = decode(row[`__k${i}`], k.type)));
  query.select.forEach((m, i) => (item[m.name] = decode(row[`__m${i}`], m.type)));
  return item;
}
