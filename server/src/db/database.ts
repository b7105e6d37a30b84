import type { SQL } from 'drizzle-orm';
import type { Dialect } from '@baas/query';
import type { BusTopic } from './bus.ts';

/** A row as a driver returns it. */
export type DbRow = Record<string, unknown>;

/**
 * One store (the instance store, or one project's store) on either engine.
 * Every call is async: the PostgreSQL driver is, and nothing above db/ may
 * rely on SQLite being synchronous underneath.
 */
export interface Database {
  readonly dialect: Dialect;
  /** The project whose store this is; undefined for the instance store. Names it on the bus. */
  readonly project: string | undefined;
  /** A table of this store, qualified as the engine needs (a schema on PostgreSQL). */
  table(name: string): SQL;
  all<T = DbRow>(query: SQL): Promise<T[]>;
  get<T = DbRow>(query: SQL): Promise<T | undefined>;
  run(query: SQL): Promise<{ changes: number }>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when
   * it throws. Called on a transaction, it joins it (and `options` are the
   * outer transaction's).
   */
  transaction<T>(fn: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Inside a transaction: holds a lock named `name` until commit, so that
   * writers of one kind commit in the order they took it. PostgreSQL needs it
   * to keep change-log sequence numbers in commit order; SQLite transactions
   * are serial already. `shared` holders exclude only exclusive ones: record
   * writes hold `schema` shared, schema changes exclusive.
   */
  lockUntilCommit(name: string, mode?: 'exclusive' | 'shared'): Promise<void>;
  /**
   * Sends a message on the instance bus (db/bus.ts). Inside a transaction it
   * goes out when the transaction commits, and never if it rolls back; the
   * same message twice in one transaction goes once. Outside one, at once.
   */
  publish(topic: BusTopic, payload: string): Promise<void>;
  /**
   * Inside a transaction: a write nobody reads the result of, which may run
   * as late as the COMMIT, in the order given. In a PostgreSQL commit group
   * (`TransactionOptions.locks`) the members' deferred writes go with the
   * group's COMMIT, one round trip for all, and only for the members that
   * succeeded; elsewhere it runs at once. Its failure fails the commit.
   */
  deferUntilCommit(query: SQL): Promise<void>;
  /**
   * Inside a transaction: `read`, for a value the transaction's `locks` keep
   * unchanged until its commit. A PostgreSQL commit group, which takes the
   * locks before its first member, reads it once for all its members under
   * the same `key`; so does a SQLite group for its consecutive members that
   * named their locks; elsewhere it is read each time.
   */
  stableRead<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Whether this handle is inside a transaction. */
  readonly inTransaction: boolean;
  close(): Promise<void>;
}

/** A lock a transaction takes first (see `lockUntilCommit`). */
export type TransactionLock = readonly [name: string, mode: 'exclusive' | 'shared'];

export interface TransactionOptions {
  /**
   * The locks `fn` takes (`lockUntilCommit`), held until commit; at least
   * one exclusive. On PostgreSQL the concurrent transactions naming the same
   * locks are grouped: one BEGIN/COMMIT for many, each in a savepoint
   * (db/postgres-group.ts). A group takes the shared locks at its BEGIN and
   * the exclusive ones only with its COMMIT, after every member ran: so a
   * transaction may name an exclusive lock here only when it needs it for its
   * deferred writes alone (`deferUntilCommit`: the change log's seq order).
   * A deadlock victim among the members runs again. SQLite groups every
   * transaction already.
   */
  locks?: readonly TransactionLock[];
}

/** A boolean as the engine stores it: PostgreSQL has booleans, SQLite stores 0/1. */
export function dbBool(db: Database, value: boolean): boolean | number {
  return db.dialect === 'postgres' ? value : value ? 1 : 0;
}

/** The error of a unique constraint, normalized across engines. */
export interface UniqueViolation {
  /** The index name when the engine reports it (PostgreSQL), else undefined. */
  constraint?: string;
  /** `table.column` pairs when the engine reports them (SQLite). */
  columns?: string[];
}

/** Recognizes a unique-constraint failure of either engine. */
export function asUniqueViolation(err: unknown): UniqueViolation | undefined {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') return { constraint: e.constraint };
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const cols = /constraint failed: (.*)$/.exec(e.message ?? '')?.[1];
    return { columns: cols ? cols.split(',').map((c) => c.trim()) : [] };
  }
  return undefined;
}

/**
 * What a store reports for the metrics: each transaction's time from being
 * asked for to its commit (queueing included: that is what a request waits),
 * and on SQLite the size of each commit group.
 */
export interface DbObserver {
  transaction(engine: Dialect, seconds: number, committed: boolean): void;
  commitGroup(size: number): void;
}
