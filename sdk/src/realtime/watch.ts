import type { BaasError } from '../errors.ts';
import type { QueryOptions, RecordsApi } from '../records.ts';
import type { CollectionShape, RecordOf } from '../schema.ts';
import { awaitable, type LiveSubscription, type RealtimeClient, type RecordEvent } from './realtime.ts';

/**
 * The query of a live list: a filter, a sort and at most `limit` records
 * (without `limit`: every match). `expand` applies to the fetched list only:
 * changed records arrive without it, so a changed record keeps the expand it
 * had (which may then be stale) and a new one has none. `fields` is not
 * accepted: the list is kept sorted from whole records, nor is `search`
 * (whether a changed record matches one is the server's to judge).
 */
export type WatchOptions<C extends CollectionShape> = Omit<QueryOptions<C>, 'fields' | 'search' | 'highlight'> & {
  /** The watch failed (its subscription was refused, or a fetch failed) and is over. */
  onError?: (error: BaasError) => void;
};

/** Why the callback of `watch` was called. */
export interface WatchState {
  /** `initial`: the first list; `change`: a record entered, changed or left; `refetch`: the list was loaded again. */
  reason: 'initial' | 'change' | 'refetch';
}

type Row = Record<string, unknown> & { id: string };
type Key = [field: string, desc: boolean];

/**
 * A live list: subscribes first, and fetches once the subscription is live;
 * the changes that arrive during the fetch are buffered, then applied to the
 * fetched list in order. Every change carries the whole record and applying
 * one is idempotent (upsert by id, remove by id), so a change the fetch
 * already reflects changes nothing, and one it missed is applied: the list
 * converges on what a fresh `list()` would give. A refetch (after events were
 * lost, or to refill a limited list) works the same way.
 */
export function watchList<C extends CollectionShape>(
  records: RecordsApi<C>,
  realtime: RealtimeClient,
  query: WatchOptions<C>,
  callback: (items: RecordOf<C>[], state: WatchState) => void,
): LiveSubscription {
  const { onError, fields: _fields, ...q } = query as WatchOptions<C> & { fields?: unknown };
  const keys = sortKeys(q.sort as string | string[] | undefined);
  const limit = q.limit;
  let items: Row[] = [];
  /** Changes held while a fetch runs; undefined when none does. */
  let buffer: RecordEvent[] | undefined = [];
  /** Whether `items` holds every match (false once a limit cut some off). */
  let complete = true;
  let generation = 0;
  let stopped = false;

  let settle!: { resolve: () => void; reject: (error: BaasError) => void };
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const emit = (reason: WatchState['reason']) => {
    callback([...items] as RecordOf<C>[], { reason });
    settle.resolve();
  };
  const fail = (error: BaasError) => {
    settle.reject(error);
    stop();
    onError?.(error);
  };

  /** Applies one change; true when the list can no longer tell what follows its end (refetch). */
  const apply = ({ action, record }: RecordEvent): boolean => {
    const i = items.findIndex((r) => r.id === record.id);
    const old = items[i];
    if (i >= 0) items.splice(i, 1);
    if (action === 'delete' || action === 'leave') return i >= 0 && !complete;
    const row = (old?.expand && !record.expand ? { ...record, expand: old.expand } : record) as Row;
    let at = items.findIndex((r) => compare(row, r, keys) < 0);
    if (at < 0) at = items.length;
    items.splice(at, 0, row);
    if (limit && items.length > limit) {
      items.length = limit;
      complete = false;
    }
    // A record moved to the end of a cut list: an unseen one may belong before it.
    return i >= 0 && !complete && at === items.length - 1;
  };

  const load = async (reason: WatchState['reason']) => {
    const g = ++generation;
    buffer ??= [];
    try {
      let fetched: Row[] = [];
      if (limit) {
        const page = await records.list({ ...q, limit });
        fetched = page.items as Row[];
        complete = !page.nextCursor;
      } else {
        for await (const record of records.iterate({ ...q, limit: 500 })) fetched.push(record as Row);
        complete = true;
      }
      if (stopped || g !== generation) return;
      items = fetched;
      let refetch = false;
      for (const event of buffer.splice(0)) refetch = apply(event) || refetch;
      buffer = undefined;
      emit(reason);
      if (refetch) void load('refetch');
    } catch (err) {
      if (!stopped && g === generation) fail(err as BaasError);
    }
  };

  const unsubscribe = realtime.subscribe(
    records.name,
    q.filter ? { filter: q.filter } : '*',
    (event) => {
      if (buffer) return void buffer.push(event);
      const refetch = apply(event);
      emit('change');
      if (refetch) void load('refetch');
    },
    {
      // Fetch only once the subscription is live: a change committed between a fetch and a
      // later subscription would be in neither.
      onReady: () => void load('initial'),
      onReset: () => void load('refetch'),
      onError: fail,
    },
  );

  const stop = () => {
    stopped = true;
    settle.resolve();
    unsubscribe();
  };
  // Awaiting it waits for the first list, which is fetched only once the subscription is live.
  return awaitable(stop, ready);
}

/** The list's order as the server sorts: the given keys, then `id` in the last key's direction. */
function sortKeys(sort: string | string[] | undefined): Key[] {
  const keys: Key[] = (Array.isArray(sort) ? sort : (sort ?? '').split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => [s.replace(/^[-+]/, ''), s[0] === '-']);
  const id = keys.findIndex((k) => k[0] === 'id');
  if (id < 0) keys.push(['id', keys.length > 0 && keys[keys.length - 1][1]]);
  else keys.length = id + 1;
  return keys;
}

function compare(a: Row, b: Row, keys: Key[]): number {
  for (const [field, desc] of keys) {
    const c = compareValues(a[field], b[field]);
    if (c) return desc ? -c : c;
  }
  return 0;
}

/** Null lowest; strings by code point (the servers compare UTF-8 bytes, which is the same order). */
function compareValues(x: unknown, y: unknown): number {
  if (x == null || y == null) return (x == null ? 0 : 1) - (y == null ? 0 : 1);
  if (typeof x === 'string' && typeof y === 'string') {
    let i = 0;
    while (x.charCodeAt(i) === y.charCodeAt(i)) i++;
    return unit(x, i) - unit(y, i);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The code unit at `i` ordered as its code point: surrogates (code points above U+FFFF) after all others; -1 past the end. */
function unit(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c !== c ? -1 : c >= 0xd800 && c < 0xe000 ? c + 0x10000 : c;
}
