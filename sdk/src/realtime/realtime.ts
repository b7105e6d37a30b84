import type { RealtimeChangeAction } from '@baas/protocol';
import type { Transport } from '../http.ts';

/** Ends a subscription, a watch or a channel membership. */
export type Unsubscribe = () => void;

/** What to subscribe to: `'*'` (every record the caller may list), a record id, or `{ filter }` / `{ id }`. */
export type SubscriptionTarget = '*' | (string & {}) | { filter?: string; id?: string };

/** One change as a subscription sees it. */
export interface RecordEvent<R = Record<string, unknown>> {
  action: RealtimeChangeAction;
  record: R;
  seq: number;
}

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /** The subscription failed for good (a bad filter, `forbidden`...): it is over. */
  onError?: (error: Error) => void;
  /**
   * Events were lost (the server's log no longer reaches back to the last
   * one seen, `since_too_old`): the subscription goes on live; refetch what you show.
   */
  onReset?: () => void;
}

/** A WebSocket constructor as browsers and the `ws` package provide it. */
export type WebSocketLike = new (url: string) => WebSocket;

/** Options of the realtime client (part of `ClientOptions.realtime`). */
export interface RealtimeOptions {
  /** The WebSocket class; default the global one, else (Node 20) the `ws` package, loaded only then. */
  WebSocket?: WebSocketLike;
  /** Reconnect backoff in ms: the first delay and the cap (default 500 and 10000), with full jitter. */
  reconnectDelay?: { min?: number; max?: number };
}

/** The one shared, lazily opened WebSocket of a client. STUB: the realtime helper fills this in. */
export class RealtimeClient {
  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
    protected readonly options: RealtimeOptions,
  ) {}

  /** Subscribes to changes of `collection`; see `RecordsApi.subscribe`. */
  subscribe(_collection: string, _target: SubscriptionTarget, _callback: (event: RecordEvent) => void, _options: SubscribeOptions = {}): Unsubscribe {
    throw new Error('not implemented');
  }

  /** Sends `auth` again with the current token (after a sign-in, refresh or sign-out). */
  reauthenticate(): void {}

  /** Closes the socket and ends every subscription and channel. */
  close(): void {}
}
