import type { ListResult } from '@baas/protocol';
import type { AggregateItem, AggregateOptions, AggregateResult, GroupKey, Metric } from './aggregate.ts';
import { BaasError } from './errors.ts';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';
import { everyItem } from './pages.ts';
import type { LiveSubscription, RealtimeClient, RecordEvent, SubscribeOptions, SubscriptionTarget, Unsubscribe } from './realtime/realtime.ts';
import { watchList, type WatchOptions, type WatchState } from './realtime/watch.ts';
import { watchAggregate } from './realtime/watch-aggregate.ts';
import type { CollectionShape, RecordOf, UntypedCollection } from './schema.ts';

/** A stored record without generated types: `T` plus the system fields. */
export type BaasRecord<T extends object = Record<string, unknown>> = T & {
  id: string;
  created_at: string;
  updated_at: string;
};

/** How a record reply is shaped. Lists accept either form: `'a,b'` or `['a', 'b']`. */
export interface ShapeOptions<C extends CollectionShape = UntypedCollection> {
  /** Relation fields to expand: `author`, `comments.author`. */
  expand?: FieldList<C['expand']>;
  /** Fields to return: `id`, `title`. */
  fields?: FieldList<C['record']>;
}

/** Field names as `'a,b'` or `['a', 'b']`; names of `T` are suggested, dotted paths allowed. */
export type FieldList<T> = string | Array<(keyof T & string) | (string & {})>;

/** Options of `list`: a filter, a sort, and keyset (`limit` + `cursor`) or page paging. */
export interface ListOptions<C extends CollectionShape = UntypedCollection> extends ShapeOptions<C> {
  /** A filter in the rule language: `status = 'open' && votes > 3`. Build it with `client.filter` when it holds user input. */
  filter?: string;
  /**
   * Full-text search over the collection's `search` fields: words match as
   * prefixes, `"quoted phrases"` exactly, all are required. Ranked by
   * relevance unless `sort` is given.
   */
  search?: string;
  /** With `search`: each item gets `_highlight`, HTML snippets of its matching fields with `<mark>` around matches. */
  highlight?: boolean;
  /** Fields to sort by, `-` for descending: `-created_at,title`. */
  sort?: FieldList<C['record']>;
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  page?: number;
  perPage?: number;
  /** Adds `total` to the reply. */
  count?: boolean;
}

/** A listed record, with the snippets `highlight` asks for. */
export type Listed<C extends CollectionShape> = RecordOf<C> & {
  /** Field → HTML-escaped snippet with `<mark>` around what matched (only fields that matched). */
  _highlight?: Partial<Record<keyof C['record'] & string, string>>;
};

/** What `iterate`, `getFirst` and `watch` accept: a query without paging. */
export type QueryOptions<C extends CollectionShape = UntypedCollection> = Omit<ListOptions<C>, 'cursor' | 'page' | 'perPage' | 'count'>;

/** The records of one collection, under the collection's rules for the caller. */
export class RecordsApi<C extends CollectionShape = UntypedCollection> {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
    private readonly realtime: () => RealtimeClient,
    /** The collection's name. */
    readonly name: string,
  ) {}

  private path(id?: string): string {
    return `${this.base()}/collections${pathOf(this.name)}/records${id === undefined ? '' : pathOf(id)}`;
  }

  /** One page of records; pass `nextCursor` back as `cursor` for the next. */
  list(options: ListOptions<C> = {}): Promise<ListResult<Listed<C>>> {
    const { filter, search, highlight, limit, cursor, page, perPage, count } = options;
    return this.http.request('GET', this.path(), {
      query: { filter, search, highlight, sort: joined(options.sort), limit, cursor, page, perPage, count, expand: joined(options.expand), fields: joined(options.fields) },
    });
  }

  /**
   * Counts, sums, averages and extremes per group, over the records the
   * caller may list (the list rule applies, then `filter` and `search`):
   * `aggregate({ groupBy: ['status', 'day(created_at)'], select: ['count', 'sum(votes)'], sort: ['-count'] })`
   * gives items like `{ status: 'open', day_created_at: '2024-05-03T00:00:00.000Z', count: 3, sum_votes: 10 }`,
   * typed from the generated schema.
   */
  aggregate<const G extends GroupKey<C> = never, const M extends Metric<C> = 'count'>(
    options: AggregateOptions<C, G, M> = {},
  ): Promise<AggregateResult<AggregateItem<C, G, M>>> {
    const { filter, search, limit } = options;
    return this.http.request('GET', `${this.base()}/collections${pathOf(this.name)}/aggregate`, {
      query: { filter, search, limit, groupBy: joined(options.groupBy), select: joined(options.select), sort: joined(options.sort) },
    });
  }

  /**
   * A live aggregate: calls `callback` with the aggregate's items now, then
   * again after records change (one fetch at a time; a burst of changes is
   * answered by one more fetch). Returns the function that stops it.
   */
  watchAggregate<const G extends GroupKey<C> = never, const M extends Metric<C> = 'count'>(
    options: AggregateOptions<C, G, M> & { onError?: (error: BaasError) => void },
    callback: (items: AggregateItem<C, G, M>[], state: WatchState) => void,
  ): Unsubscribe {
    const { onError, ...query } = options;
    return watchAggregate(this.name, this.realtime(), query.filter, () => this.aggregate<G, M>(query), callback, onError);
  }

  /** Every matching record, page by page (keyset paging): `for await (const post of posts.iterate())`. */
  iterate(options: QueryOptions<C> = {}): AsyncGenerator<Listed<C>> {
    return everyItem((cursor) => this.list({ ...options, cursor }));
  }

  /** Also `for await (const record of collection)`: every record the caller may list. */
  [Symbol.asyncIterator](): AsyncGenerator<Listed<C>> {
    return this.iterate();
  }

  /** One record by id (404 `record_not_found` when it is missing or the view rule hides it). */
  getOne(id: string, options: ShapeOptions<C> = {}): Promise<RecordOf<C>> {
    return this.http.request('GET', this.path(id), { query: { expand: joined(options.expand), fields: joined(options.fields) } });
  }

  /** The first record matching `filter` (in `sort` order); 404 `record_not_found` when none does. */
  async getFirst(filter: string, options: Omit<QueryOptions<C>, 'filter' | 'limit'> = {}): Promise<RecordOf<C>> {
    const { items } = await this.list({ ...options, filter, limit: 1 });
    if (items.length === 0) throw new BaasError(404, 'record_not_found', `no record of '${this.name}' matches ${filter}`);
    return items[0];
  }

  /** Creates a record; `data.id` may be supplied (offline creation). */
  create(data: C['create'], options: Pick<ShapeOptions<C>, 'expand'> = {}): Promise<RecordOf<C>> {
    return this.http.request('POST', this.path(), { body: data, query: { expand: joined(options.expand) } });
  }

  /**
   * Changes the given fields of a record; answers it as updated, or null when
   * the collection's view rule hides it from the caller (the update rule let
   * them write it, not read it).
   */
  async update(id: string, data: C['update'], options: Pick<ShapeOptions<C>, 'expand'> = {}): Promise<RecordOf<C> | null> {
    const record = await this.http.request<RecordOf<C> | undefined>('PATCH', this.path(id), { body: data, query: { expand: joined(options.expand) } });
    return record ?? null;
  }

  /** Deletes a record. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', this.path(id));
  }

  /**
   * Calls `callback` for every change the caller may see: `'*'` for the whole
   * collection, a record id, or `{ filter }`. Survives reconnects without
   * losing events. Returns the function that ends the subscription.
   */
  subscribe(target: SubscriptionTarget, callback: (event: RecordEvent<RecordOf<C>>) => void, options: SubscribeOptions = {}): LiveSubscription {
    return this.realtime().subscribe(this.name, target, callback as (event: RecordEvent) => void, options);
  }

  /**
   * A live list: calls `callback` with the records matching `query` now,
   * then again whenever one enters, changes or leaves. Returns the function
   * that stops it.
   */
  watch(query: WatchOptions<C>, callback: (items: RecordOf<C>[], state: WatchState) => void): LiveSubscription {
    return watchList(this, this.realtime(), query, callback);
  }
}

function joined(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value.join(',');
}
