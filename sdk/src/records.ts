import type { ListResult } from '@baas/protocol';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';

/** A stored record: the fields `T` plus the system fields. */
export type BaasRecord<T extends object = Record<string, unknown>> = T & {
  id: string;
  created_at: string;
  updated_at: string;
};

/** How a record reply is shaped. Lists accept either form: `'a,b'` or `['a', 'b']`. */
export interface ShapeOptions {
  /** Relation fields to expand: `author`, `comments.author`. */
  expand?: string | string[];
  /** Fields to return: `id`, `title`. */
  fields?: string | string[];
}

/** Options of `list`: a filter, a sort, and keyset (`limit` + `cursor`) or page paging. */
export interface ListOptions extends ShapeOptions {
  /** A filter in the rule language: `status = 'open' && votes > 3`. */
  filter?: string;
  /** Fields to sort by, `-` for descending: `-created_at,title`. */
  sort?: string | string[];
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  page?: number;
  perPage?: number;
  /** Adds `total` to the reply. */
  count?: boolean;
}

/** The records of one collection, under the collection's rules for the caller. */
export class RecordsApi<T extends object = Record<string, unknown>> {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
    /** The collection's name. */
    readonly name: string,
  ) {}

  private path(id?: string): string {
    return `${this.base()}/collections${pathOf(this.name)}/records${id === undefined ? '' : pathOf(id)}`;
  }

  /** One page of records; pass `nextCursor` back as `cursor` for the next. */
  list(options: ListOptions = {}): Promise<ListResult<BaasRecord<T>>> {
    const { filter, limit, cursor, page, perPage, count } = options;
    return this.http.request('GET', this.path(), {
      query: { filter, sort: joined(options.sort), limit, cursor, page, perPage, count, expand: joined(options.expand), fields: joined(options.fields) },
    });
  }

  /** Every matching record, page by page (keyset paging; `cursor` and `page` are ignored). */
  async *iterate(options: Omit<ListOptions, 'cursor' | 'page' | 'perPage' | 'count'> = {}): AsyncGenerator<BaasRecord<T>> {
    let cursor: string | undefined;
    do {
      const result = await this.list({ ...options, cursor });
      yield* result.items;
      cursor = result.nextCursor ?? undefined;
    } while (cursor);
  }

  /** One record by id (404 `record_not_found` when it is missing or the view rule hides it). */
  getOne(id: string, options: ShapeOptions = {}): Promise<BaasRecord<T>> {
    return this.http.request('GET', this.path(id), { query: { expand: joined(options.expand), fields: joined(options.fields) } });
  }

  /** Creates a record; `data.id` may be supplied (offline creation). */
  create(data: Partial<T> & { id?: string }, options: Pick<ShapeOptions, 'expand'> = {}): Promise<BaasRecord<T>> {
    return this.http.request('POST', this.path(), { body: data, query: { expand: joined(options.expand) } });
  }

  /** Changes the given fields of a record. */
  update(id: string, data: Partial<T>, options: Pick<ShapeOptions, 'expand'> = {}): Promise<BaasRecord<T>> {
    return this.http.request('PATCH', this.path(id), { body: data, query: { expand: joined(options.expand) } });
  }

  /** Deletes a record. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', this.path(id));
  }
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
