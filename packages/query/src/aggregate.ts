/**
 * The aggregate query of a collection: `groupBy=status,day(created_at)`,
 * `select=count,count(x),sum(votes),avg(votes),min(votes),max(votes)` and
 * `sort=-count`. Pure parsing and validation against the schema; aggregate-sql.ts
 * compiles the result. Every error is a QueryError with the position of the
 * offending item in its own parameter.
 */
import { fieldInfo, type BindContext } from './check.ts';
import { MAX_SOURCE_LENGTH, QueryError } from './errors.ts';
import type { FieldInfo } from './index.ts';

/** The units a date can be truncated to (UTC; weeks start on Monday, as ISO 8601 has them). */
export const dateUnits = ['day', 'week', 'month'] as const;
export type DateUnit = (typeof dateUnits)[number];

/** The functions of `select`. */
export const aggregateFunctions = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof aggregateFunctions)[number];

/**
 * The JSON type of a result column: `integer` and `number` are JSON numbers,
 * `date` an ISO-8601 UTC string, `text` a string, `boolean` true/false. Any may be null.
 */
export type ResultType = 'text' | 'number' | 'integer' | 'boolean' | 'date';

/** One key of `groupBy`: a field, or a date field truncated to a unit. */
export interface GroupKey {
  /** The key's name in each result item: `status`, or `day_created_at` for `day(created_at)`. */
  name: string;
  field: string;
  unit?: DateUnit;
  type: ResultType;
}

/** One metric of `select`. */
export interface Metric {
  /** The metric's name in each result item: `count`, `count_x`, `sum_votes`, ... */
  name: string;
  fn: AggregateFunction;
  /** The field it reads; none for a plain `count` (of rows). */
  field?: string;
  type: ResultType;
}

/** One key of an aggregate's order: a group key or a metric, by its result name. */
export interface AggregateOrder {
  name: string;
  desc: boolean;
}

/** A parsed, validated aggregate. */
export interface AggregateQuery {
  groupBy: GroupKey[];
  select: Metric[];
  sort: AggregateOrder[];
}

/** The aggregate's parameters as a query string gives them. */
export interface AggregateSource {
  groupBy?: string;
  select?: string;
  sort?: string;
}

/** Most group keys and metrics one aggregate may have. */
export const MAX_GROUP_KEYS = 8;
export const MAX_METRICS = 16;

/** Which parameter an aggregate error is about. */
export type AggregateParameter = keyof AggregateSource;

/** A QueryError in one of the aggregate's parameters. */
export class AggregateError extends QueryError {
  constructor(
    readonly parameter: AggregateParameter,
    reason: string,
    position: number,
  ) {
    super(reason, position);
    this.name = 'AggregateError';
  }
}

/** One comma-separated item: `name`, `fn(arg)` or `fn()`, with a `-`/`+` sign in a sort. */
interface Item {
  sign?: '-' | '+';
  name: string;
  arg?: string;
  call: boolean;
  pos: number;
  argPos: number;
}

const itemPattern = /^([+-]?)([A-Za-z_][A-Za-z0-9_]*)(?:\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)?\s*\))?$/d;

function items(source: string, parameter: AggregateParameter, signed: boolean): Item[] {
  if (source.length > MAX_SOURCE_LENGTH) throw new AggregateError(parameter, `${parameter} is too long`, MAX_SOURCE_LENGTH);
  if (source.trim() === '') return [];
  const out: Item[] = [];
  let offset = 0;
  for (const part of source.split(',')) {
    const pos = offset + (part.length - part.trimStart().length);
    const text = part.trim();
    offset += part.length + 1;
    if (text === '') throw new AggregateError(parameter, 'expected a name', pos);
    const m = itemPattern.exec(text);
    if (!m || (!signed && m[1])) {
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      throw new AggregateError(parameter, `invalid item ${JSON.stringify(shown)} (expected name or fn(field))`, pos);
    }
    const sign = m[1] ? (m[1] as '-' | '+') : undefined;
    const at = m.indices!;
    out.push({
      sign,
      name: m[2],
      arg: m[3],
      call: m[0].includes('('),
      pos: pos + at[2]![0],
      argPos: pos + (at[3]?.[0] ?? at[2]![1]),
    });
  }
  return out;
}

const textTypes = new Set(['text', 'email', 'url', 'select', 'relation', 'file']);

/** The result type of a field's own values (undefined: json and many-valued fields, which do not group). */
function valueType(info: FieldInfo): ResultType | undefined {
  if (info.multiple || info.type === 'json') return undefined;
  if (textTypes.has(info.type)) return 'text';
  return info.type as ResultType;
}

function field(ctx: BindContext, parameter: AggregateParameter, name: string, pos: number): FieldInfo {
  const info = fieldInfo(ctx, ctx.collection, name);
  if (!info) throw new AggregateError(parameter, `unknown field '${name}'`, pos);
  return info;
}

/** Parses `groupBy`: fields of the collection (not json or many-valued), or `day|week|month(dateField)`. */
export function parseGroupBy(source: string, ctx: BindContext): GroupKey[] {
  const keys: GroupKey[] = [];
  for (const item of items(source, 'groupBy', false)) {
    let key: GroupKey;
    if (item.call) {
      if (!(dateUnits as readonly string[]).includes(item.name)) {
        throw new AggregateError('groupBy', `unknown function '${item.name}' (group a date by day, week or month)`, item.pos);
      }
      if (!item.arg) throw new AggregateError('groupBy', `${item.name}() needs a date field`, item.argPos);
      const info = field(ctx, 'groupBy', item.arg, item.argPos);
      if (info.type !== 'date') throw new AggregateError('groupBy', `${item.name}() needs a date field, not ${info.type} field '${item.arg}'`, item.argPos);
      key = { name: `${item.name}_${item.arg}`, field: item.arg, unit: item.name as DateUnit, type: 'date' };
    } else {
      const info = field(ctx, 'groupBy', item.name, item.pos);
      const type = valueType(info);
      if (!type) throw new AggregateError('groupBy', `cannot group by ${info.multiple ? 'multiple' : 'json'} field '${item.name}'`, item.pos);
      key = { name: item.name, field: item.name, type };
    }
    if (keys.some((k) => k.name === key.name)) throw new AggregateError('groupBy', `'${key.name}' is grouped twice`, item.pos);
    keys.push(key);
  }
  if (keys.length > MAX_GROUP_KEYS) throw new AggregateError('groupBy', `at most ${MAX_GROUP_KEYS} group keys`, 0);
  return keys;
}

/**
 * Parses `select` (blank: `count`). `count` counts rows, `count(x)` the rows
 * where x is not null; `sum` and `avg` take number and integer fields, `min`
 * and `max` number, integer and date fields. Names must not clash with the keys.
 */
export function parseSelect(source: string, ctx: BindContext, keys: GroupKey[] = []): Metric[] {
  const metrics: Metric[] = [];
  const parsed = items(source, 'select', false);
  if (parsed.length === 0) parsed.push({ name: 'count', call: false, pos: 0, argPos: 0 });
  for (const item of parsed) {
    const fn = item.name as AggregateFunction;
    if (!(aggregateFunctions as readonly string[]).includes(fn)) {
      throw new AggregateError('select', `unknown function '${item.name}' (use count, sum, avg, min or max)`, item.pos);
    }
    let metric: Metric;
    if (!item.arg) {
      if (fn !== 'count') throw new AggregateError('select', `${fn}() needs a field`, item.argPos);
      metric = { name: 'count', fn, type: 'integer' };
    } else {
      const info = field(ctx, 'select', item.arg, item.argPos);
      const numeric = info.type === 'number' || info.type === 'integer';
      if (fn === 'count') metric = { name: `count_${item.arg}`, fn, field: item.arg, type: 'integer' };
      else if (fn === 'sum' || fn === 'avg') {
        if (!numeric) throw new AggregateError('select', `${fn}() needs a number or integer field, not ${describe(info)} '${item.arg}'`, item.argPos);
        metric = { name: `${fn}_${item.arg}`, fn, field: item.arg, type: fn === 'avg' ? 'number' : (info.type as ResultType) };
      } else {
        if (!numeric && !(info.type === 'date' && !info.multiple)) {
          throw new AggregateError('select', `${fn}() needs a number, integer or date field, not ${describe(info)} '${item.arg}'`, item.argPos);
        }
        metric = { name: `${fn}_${item.arg}`, fn, field: item.arg, type: info.type as ResultType };
      }
    }
    if (metrics.some((m) => m.name === metric.name)) throw new AggregateError('select', `'${metric.name}' is selected twice`, item.pos);
    if (keys.some((k) => k.name === metric.name)) {
      throw new AggregateError('select', `'${metric.name}' is also the name of a group key`, item.pos);
    }
    metrics.push(metric);
  }
  if (metrics.length > MAX_METRICS) throw new AggregateError('select', `at most ${MAX_METRICS} metrics`, 0);
  return metrics;
}

function describe(info: FieldInfo): string {
  return `${info.multiple ? 'multiple ' : ''}${info.type} field`;
}

/**
 * Parses `sort`: group keys and metrics by result name (`-count`, `day_created_at`)
 * or as written (`-sum(votes)`, `day(created_at)`). Blank: the group keys ascending.
 */
export function parseAggregateSort(source: string, keys: GroupKey[], metrics: Metric[]): AggregateOrder[] {
  const names = [...keys.map((k) => k.name), ...metrics.map((m) => m.name)];
  const order: AggregateOrder[] = [];
  for (const item of items(source, 'sort', true)) {
    const name = item.call ? (item.arg ? `${item.name}_${item.arg}` : item.name) : item.name;
    if (!names.includes(name)) {
      throw new AggregateError('sort', `cannot sort by '${name}': sort by a group key or a selected metric (${names.join(', ')})`, item.pos);
    }
    if (order.some((o) => o.name === name)) throw new AggregateError('sort', `'${name}' is sorted twice`, item.pos);
    order.push({ name, desc: item.sign === '-' });
  }
  return order;
}

/** Parses and validates an aggregate's three parameters (see parseGroupBy, parseSelect, parseAggregateSort). */
export function parseAggregate(source: AggregateSource, ctx: BindContext): AggregateQuery {
  const groupBy = parseGroupBy(source.groupBy ?? '', ctx);
  const select = parseSelect(source.select ?? '', ctx, groupBy);
  const sort = parseAggregateSort(source.sort ?? '', groupBy, select);
  return { groupBy, select, sort };
}
