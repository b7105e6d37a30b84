import type { QueryOptions, RecordsApi } from '../records.ts';
import type { CollectionShape, RecordOf } from '../schema.ts';
import type { RealtimeClient, Unsubscribe } from './realtime.ts';

/** The query of a live list: a filter, a sort and at most `limit` records. */
export type WatchOptions<C extends CollectionShape> = QueryOptions<C>;

/** Why the callback of `watch` was called. */
export interface WatchState {
  /** `initial`: the first list; `change`: a record entered, changed or left; `refetch`: the list was loaded again. */
  reason: 'initial' | 'change' | 'refetch';
}

/** STUB: the realtime helper fills this in. */
export function watchList<C extends CollectionShape>(
  _records: RecordsApi<C>,
  _realtime: RealtimeClient,
  _query: WatchOptions<C>,
  _callback: (items: RecordOf<C>[], state: WatchState) => void,
): Unsubscribe {
  throw new Error('not implemented');
}
