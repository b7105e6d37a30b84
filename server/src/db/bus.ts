/**
 * The instance bus: small messages between the processes of one instance
 * (and within one). Owned by the StoreFactory, so it is per instance, never
 * process-global. On PostgreSQL it is LISTEN/NOTIFY on one dedicated
 * connection (db/postgres-bus.ts); on SQLite, which one process serves, it is
 * in-process (LocalBus).
 *
 * A message is sent with `Database.publish` — inside a transaction it is
 * delivered only if and when the transaction commits — or with
 * `InstanceBus.publish` outside of one. Every process receives it, the sender
 * included. Delivery is at most once: when the bus may have lost messages
 * (its connection dropped) every listener is called with `undefined`, and must
 * then re-check whatever it caches. So a message is a hint ("look again"),
 * never the only copy of a fact: the fact lives in the database.
 *
 * Payloads are short strings (ids, versions) — PostgreSQL refuses NOTIFY
 * payloads of 8000 bytes or more — so bodies go in a table and the message
 * names the row (see MAX_PAYLOAD_BYTES).
 */
export type BusTopic =
  /** A project's change log grew; payload: the project id. */
  | 'changes'
  /** A piece of shared state got a new version; payload: `<scope> <piece> <version>` (db/shared-state.ts). */
  | 'state'
  /** Identity events (session ended, user disabled, key revoked ...); payload: JSON, small. */
  | 'identity'
  /** Realtime channels: a broadcast or a presence change; payload: JSON, small (bodies by reference). */
  | 'channels';

export const BUS_TOPICS: readonly BusTopic[] = ['changes', 'state', 'identity', 'channels'];

/** A listener of one topic: `undefined` = messages may have been lost, re-check everything. */
export type BusListener = (payload: string | undefined) => void;

// PostgreSQL's NOTIFY limit is 8000 bytes; kept below it with room to spare.
export const MAX_PAYLOAD_BYTES = 7900;

export interface InstanceBus {
  /** Calls `listener` with every message of `topic`; answers the unsubscribe function. */
  subscribe(topic: BusTopic, listener: BusListener): () => void;
  /** Sends a message now (outside any transaction). */
  publish(topic: BusTopic, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Refuses a payload the PostgreSQL bus could not carry, on every engine alike. */
export function checkPayload(payload: string): void {
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error(`bus payload of ${Buffer.byteLength(payload)} bytes: send an id, not a body`);
}

/**
 * The listeners of each topic, called synchronously by `emit`: the part
 * every bus shares, and on its own the commit feed (`CommitFeed`).
 */
export class BusListeners {
  private readonly listeners = new Map<BusTopic, Set<BusListener>>();

  subscribe(topic: BusTopic, listener: BusListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls the listeners of `topic` now; `undefined` = "messages may have been lost". */
  emit(topic: BusTopic, payload: string | undefined): void {
    for (const listener of this.listeners.get(topic) ?? []) {
      try {
        listener(payload);
      } catch {
        // A listener's failure is its own; the others still hear the message.
      }
    }
  }

  /** Tells every listener of every topic that messages may have been lost. */
  reset(): void {
    for (const topic of this.listeners.keys()) this.emit(topic, undefined);
  }

  protected clear(): void {
    this.listeners.clear();
  }
}

/**
 * The committing process's own messages, heard synchronously: a store calls
 * `emit` right after the COMMIT of a transaction that published, before that
 * transaction's caller resumes (and at once for a publish outside one). The
 * bus delivers the same message later, to every process, this one included;
 * the feed is for what must not lag behind the process's own replies: a
 * revoked session must not authenticate the revoking client's next request
 * (services/auth/session-cache.ts). Owned by the StoreFactory; listeners
 * must be quick (they run inside the commit path) and idempotent (they hear
 * each message twice: here, then from the bus).
 */
export class CommitFeed extends BusListeners {}

/**
 * The bus of one process (SQLite). Messages are delivered on a later turn of
 * the event loop, never inside the publisher's call: a listener that reads
 * the database then sees the committed write.
 */
export class LocalBus extends BusListeners implements InstanceBus {
  async publish(topic: BusTopic, payload: string): Promise<void> {
    checkPayload(payload);
    setImmediate(() => this.emit(topic, payload));
  }

  async close(): Promise<void> {
    this.clear();
  }
}
