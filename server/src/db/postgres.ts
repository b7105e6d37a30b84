import pg from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, DbObserver, DbRow, TransactionOptions } from './database.ts';
import { checkPayload, type BusTopic, type CommitFeed } from './bus.ts';
import { busChannel, busTopic } from './postgres-bus.ts';
import { WriteGroups, type GroupContext } from './postgres-group.ts';
import { sqlText } from './sql-text.ts';
import { inlineParams } from './postgres-literals.ts';
import { poolQuery } from './postgres-statements.ts';

const dialect = new PgDialect();
/** A statement's text and parameters: in one pass (sql-text.ts), drizzle for what that does not write. */
const queryText = (query: SQL) => sqlText(query, true) ?? dialect.sqlToQuery(query);

// bigint (int8) columns hold integer fields and counts; they fit in a JS number
// for every value an `integer` field accepts (safe integers).
pg.types.setTypeParser(20, (v) => Number(v));

/** Project `x` lives in schema `project_x` (db/instance.ts). */
export const PROJECT_SCHEMA_PREFIX = 'project_';

const connections = new WeakMap<pg.Pool, Set<unknown>>();
/** The group-commit queues of a pool's stores. */
const writeGroups = new WeakMap<pg.Pool, WriteGroups>();

/** A connection pool shared by every store of one instance. */
export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection can die under us (server restart, pg_terminate_backend, DROP DATABASE ...
  // WITH (FORCE)). pg reports that as an 'error' on the pool after discarding the client; without
  // a listener Node would treat it as unhandled and crash the process.
  pool.on('error', () => {});
  const open = new Set<unknown>();
  connections.set(pool, open);
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => {
    open.delete(client);
    if (open.size === 0) pool.emit('drained');
  });
  return pool;
}

/**
 * Ends a pool and waits until its connections are closed. pg's `end()`
 * resolves once the clients are *told* to end, not when they have: a caller
 * that drops the database right after would kill connections still closing.
 */
export async function closePool(pool: pg.Pool): Promise<void> {
  const open = connections.get(pool);
  const drained = open?.size ? new Promise<void>((resolve) => pool.once('drained', resolve)) : Promise.resolve();
  await pool.end();
  await drained;
}

/**
 * One store on PostgreSQL: a schema of the instance's database. Tables are
 * always schema-qualified, so stores share one pool without `search_path`.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly inTransaction: boolean;
  readonly project: string | undefined;
  // Messages of this transaction, sent just before COMMIT (so they are delivered on commit).
  private readonly outbox = new Map<string, [string, string]>();
  // In a commit group: this member's deferred writes, as statement text (sent with the COMMIT).
  private readonly deferred: string[] = [];
  /** The locks this transaction's group holds already (`mode name`): taking them again is no round trip. */
  private readonly held: ReadonlySet<string>;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    private readonly client?: pg.PoolClient,
    private readonly observer?: DbObserver,
    /** The commit group this transaction is a member of (postgres-group.ts). */
    private readonly group?: GroupContext,
    /** The instance's commit feed, told of each message synchronously at its commit (db/bus.ts). */
    private readonly committed?: CommitFeed,
  ) {
    this.held = group?.held ?? new Set();
    this.inTransaction = client !== undefined;
    this.project = schema.startsWith(PROJECT_SCHEMA_PREFIX) ? schema.slice(PROJECT_SCHEMA_PREFIX.length) : undefined;
  }

  table(name: string): SQL {
    return sql`${sql.identifier(this.schema)}.${sql.identifier(name)}`;
  }

  async all<T = DbRow>(query: SQL): Promise<T[]> {
    const { sql: text, params } = queryText(query);
    return (await this.query(text, params.map(toPgParam))).rows as T[];
  }

  /** In a commit group through the group (its savepoints ride along, postgres-group.ts); else on this transaction's connection, or on the pool as a named statement (postgres-statements.ts). */
  private query(text: string, params: unknown[]): Promise<pg.QueryResult> {
    if (this.group) return this.group.query(text, params);
    return this.client ? this.client.query(text, params) : poolQuery(this.pool, text, params);
  }

  async get<T = DbRow>(query: SQL): Promise<T | undefined> {
    return (await this.all<T>(query))[0];
  }

  async run(query: SQL): Promise<{ changes: number }> {
    const { sql: text, params } = queryText(query);
    const result = await this.query(text, params.map(toPgParam));
    return { changes: result.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.client) return fn(this);
    if (options?.locks?.some(([, mode]) => mode === 'exclusive')) return this.grouped(fn, options.locks);
    const start = performance.now();
    let committed = false;
    const client = await this.pool.connect();
    // A connection lost mid-transaction fails the query in flight, and pg also emits
    // 'error' on the checked-out client; unheard, that would crash the process.
    client.on('error', ignoreClientError);
    let broken = false;
    try {
      await client.query('BEGIN');
      const tx = new PostgresDatabase(this.pool, this.schema, client);
      const result = await fn(tx);
      for (const [channel, payload] of tx.outbox.values()) await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
      await client.query('COMMIT');
      committed = true;
      this.feed(tx.outbox.values());
      return result;
    } catch (err) {
      // A connection whose ROLLBACK fails is not given to anyone else.
      broken = await client.query('ROLLBACK').then(() => false, () => true);
      throw err;
    } finally {
      client.off('error', ignoreClientError);
      client.release(broken);
      this.observer?.transaction('postgres', (performance.now() - start) / 1000, committed);
    }
  }

  /** A transaction run in its lock's group commit (db/postgres-group.ts). */
  private grouped<T>(fn: (tx: Database) => Promise<T>, locks: TransactionOptions['locks'] & object): Promise<T> {
    const start = performance.now();
    const qualified = locks.map(([name, mode]) => [this.lockName(name), mode] as const);
    let groups = writeGroups.get(this.pool);
    if (!groups) writeGroups.set(this.pool, (groups = new WriteGroups(this.pool)));
    let messages: Array<[string, string]> = [];
    return new Promise<T>((resolve, reject) => {
      const observe = (committed: boolean) => this.observer?.transaction('postgres', (performance.now() - start) / 1000, committed);
      groups.enqueue(
        qualified,
        {
          run: async (group) => {
            const tx = new PostgresDatabase(this.pool, this.schema, group.client, undefined, group);
            const value = await fn(tx);
            messages = [...tx.outbox.values()];
            return { value, messages, deferred: tx.deferred };
          },
          // Called after the group's COMMIT.
          resolve: (value) => (observe(true), this.feed(messages), resolve(value as T)),
          reject: (err) => (observe(false), reject(err)),
        },
        this.observer,
      );
    });
  }

  async lockUntilCommit(name: string, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> {
    if (!this.client) throw new Error('lockUntilCommit needs a transaction');
    const qualified = this.lockName(name);
    if (this.held.has(`exclusive ${qualified}`) || this.held.has(`${mode} ${qualified}`)) return;
    const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
    await this.query(`SELECT ${fn}(hashtext($1))`, [qualified]);
  }

  /** Advisory locks are per database: a lock's name carries its store's schema. */
  private lockName(name: string): string {
    return `${this.schema}:${name}`;
  }

  async deferUntilCommit(query: SQL): Promise<void> {
    if (!this.client) throw new Error('deferUntilCommit needs a transaction');
    if (!this.group) {
      await this.run(query);
      return;
    }
    const { sql: text, params } = queryText(query);
    this.deferred.push(inlineParams(text, params.map(toPgParam), (v) => this.client!.escapeLiteral(v)));
  }

  stableRead<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.group) return read();
    const reads = this.group.reads;
    let value = reads.get(key) as Promise<T> | undefined;
    if (!value) {
      value = read();
      reads.set(key, value);
      // A failed read (this member's statement failed) is not the group's answer: the next member reads again.
      value.catch(() => reads.get(key) === value && reads.delete(key));
    }
    return value;
  }

  async publish(topic: BusTopic, payload: string): Promise<void> {
    checkPayload(payload);
    const channel = busChannel(topic);
    if (this.client) {
      this.outbox.set(`${channel}\n${payload}`, [channel, payload]);
      return;
    }
    this.committed?.emit(topic, payload);
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Tells the commit feed of a committed transaction's messages, before its caller resumes: this process's next request sees the change (the NOTIFY comes back later). */
  private feed(messages: Iterable<[string, string]>): void {
    if (!this.committed) return;
    for (const [channel, payload] of messages) this.committed.emit(busTopic(channel), payload);
  }

  /** The pool is the instance's; closing a store closes nothing. */
  async close(): Promise<void> {}
}

// node-postgres would turn a JS array into a PostgreSQL array literal; our
// arrays go to jsonb columns, which want JSON text.
function toPgParam(value: unknown): unknown {
  return Array.isArray(value) || (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value))
    ? JSON.stringify(value)
    : value;
}

function ignoreClientError(): void {}
