import type { AggregateResult } from '../aggregate.ts';
import type { BaasError } from '../errors.ts';
import type { RealtimeClient, Unsubscribe } from './realtime.ts';
import type { WatchState } from './watch.ts';

/**
 * A live aggregate: subscribes to the collection's changes the caller may see
 * (its filter too), fetches once the subscription is live, and fetches again
 * after changes. Fetches never overlap: changes that arrive during one are
 * answered by a single fetch after it, so a burst of writes costs two fetches,
 * and the last result always reflects every change seen.
 */
export function watchAggregate<Item>(
  collection: string,
  realtime: RealtimeClient,
  filter: string | undefined,
  fetch: () => Promise<AggregateResult<Item>>,
  callback: (items: Item[], state: WatchState) => void,
  onError?: (error: BaasError) => void,
): Unsubscribe {
  let stopped = false;
  let running = false;
  let pending: WatchState['reason'] | undefined;

  const load = async (reason: WatchState['reason']) => {
    if (running) return void (pending ??= reason);
    running = true;
    try {
      const { items } = await fetch();
      if (!stopped) callback(items, { reason });
    } catch (err) {
      if (!stopped) {
        stop();
        onError?.(err as BaasError);
      }
    } finally {
      running = false;
    }
    const next = pending;
    pending = undefined;
    if (next && !stopped) void load(next);
  };

  const unsubscribe = realtime.subscribe(collection, filter ? { filter } : '*', () => void load('change'), {
    onReady: () => void load('initial'),
    onReset: () => void load('refetch'),
    onError: (error) => {
      stop();
      onError?.(error);
    },
  });
  const stop = () => {
    stopped = true;
    unsubscribe();
  };
  return stop;
}
