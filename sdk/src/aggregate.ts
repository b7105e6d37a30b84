/**
 * Types of `collection(x).aggregate(...)`: the group keys and metrics a
 * collection allows (from the generated schema's `aggregate` entry), and the
 * item each combination gives, named as the server names it
 * (`day(created_at)` → `day_created_at`, `sum(votes)` → `sum_votes`).
 */
import type { CollectionShape } from './schema.ts';

/** Which fields of a collection each part of an aggregate takes, as `baas gen types` writes them. */
export interface AggregateFields {
  /** Fields that group: not json, not many-valued. */
  group: string;
  /** number and integer fields: sum, avg, min, max. */
  number: string;
  /** date fields (created_at and updated_at too): day/week/month, min, max. */
  date: string;
  /** Every field, for count(field). */
  any: string;
}

/** The fields of a collection for aggregates; any name without generated types. */
export type AggregateFieldsOf<C extends CollectionShape> = C extends { aggregate: infer A extends AggregateFields }
  ? A
  : { group: string; number: string; date: string; any: string };

/** A date truncated to a unit, in UTC; weeks start on Monday. */
export type DateUnit = 'day' | 'week' | 'month';

/** A key of `groupBy`: a field, or `day(field)`, `week(field)`, `month(field)` of a date field. */
export type GroupKey<C extends CollectionShape> = AggregateFieldsOf<C>['group'] | `${DateUnit}(${AggregateFieldsOf<C>['date']})`;

/** A metric of `select` (any string without generated types). */
export type Metric<C extends CollectionShape> = string extends AggregateFieldsOf<C>['any']
  ? string
  : TypedMetric<AggregateFieldsOf<C>>;

type TypedMetric<A extends AggregateFields> =
  | 'count'
  | `count(${A['any']})`
  | `${'sum' | 'avg'}(${A['number']})`
  | `${'min' | 'max'}(${A['number'] | A['date']})`;

/** The name a key or metric has in a result item: `fn(field)` → `fn_field`. */
export type ResultName<K extends string> = K extends `${infer F}(${infer A})` ? `${F}_${A}` : K;

type FieldValue<C extends CollectionShape, F extends string> = F extends keyof C['record'] ? C['record'][F] : unknown;

type KeyValue<C extends CollectionShape, K extends string> = K extends `${string}(${string})` ? string | null : FieldValue<C, K> | null;

type MetricValue<C extends CollectionShape, M extends string> = M extends 'count' | `count(${string})`
  ? number
  : M extends `${'min' | 'max'}(${infer F})`
    ? FieldValue<C, F> | null
    : number | null;

/** One item of an aggregate's reply: each group key and each metric by its result name. */
export type AggregateItem<C extends CollectionShape, G extends string, M extends string> = string extends G | M
  ? Record<string, unknown>
  : { [K in G as ResultName<K>]: KeyValue<C, K> } & { [K in M as ResultName<K>]: MetricValue<C, K> };

/** The options of `aggregate`. */
export interface AggregateOptions<C extends CollectionShape, G extends string, M extends string> {
  /** The keys to group by; none: one item over every matching record. */
  groupBy?: readonly G[];
  /** The metrics; default `['count']`. */
  select?: readonly M[];
  /** Group keys or metrics, by result name or as written, `-` for descending. Default: the group keys ascending. */
  sort?: ReadonlyArray<ResultName<G | M> | `-${ResultName<G | M>}` | G | M | `-${G | M}`>;
  /** A filter in the rule language, ANDed with the list rule as for a list. */
  filter?: string;
  /** Full-text search, as for a list. */
  search?: string;
  /** Most groups returned (default 100, at most 1000). */
  limit?: number;
}

/** The reply of `aggregate`. */
export interface AggregateResult<Item> {
  items: Item[];
}
