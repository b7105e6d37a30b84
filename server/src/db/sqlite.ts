import BetterSqlite3 from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Database, DbObserver, DbRow, TransactionOptions } from './database.ts';
import { checkPayload, type BusTopic, type CommitFeed, type LocalBus } from './bus.ts';
import { sqlText } from './sql-text.ts';

const dialect = new SQLiteSyncDialect();
const STATEMENT_CACHE_SIZE = 500;

/** A unit of work waiting for the connection. */
type Job = TransactionJob | { kind: 'statement'; work: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

interface TransactionJob {
  kind: 'transaction';
  fn: (tx: Database) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** When it was asked for (performance.now()), for the observer; 0 without one. */
  asked: number;
  /** It named its locks (`TransactionOptions.locks`): its `stableRead`s may be shared with the group's other such members. */
  locked: boolean;
}

/** Most tables whose identifier is kept (collections come and go; a plain bound). */
const TABLE_CACHE_SIZE = 1000;

/** Most transactions one commit may carry. */
const MAX_GROUP = 64;

/** SQLite's durability mode (config `sqliteSynchronous`). */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * A SQLite store on one better-sqlite3 connection.
 *
 * better-sqlite3 is synchronous, but transactions here are async (a service
 * awaits between statements), so work is queued: while transactions run,
 * every other call waits its turn; an idle connection runs a statement at once.
 *
 * Group commit: a transaction does not start the moment it is asked for but
 * on the next turn of the event loop, so the transactions of every request
 * that arrived meanwhile run together in one SQLite transaction, each inside
 * its own SAVEPOINT (a failing one rolls back alone), sealed by one COMMIT.
 * The commit (writing the WAL) is most of a small write's cost, so under
 * concurrency it is paid once per group instead of once per request. Every
 * caller still gets its result only after the COMMIT that made it durable.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly inTransaction = false;
  private readonly db: BetterSqlite3.Database;
  /** Prepared statements by text, with whether each returns rows (`reader` is a native getter: read once). */
  private readonly statements = new Map<string, { stmt: BetterSqlite3.Statement; reader: boolean }>();
  /** Each table's identifier, built once: a request names a few tables, each in several statements. */
  private readonly tables = new Map<string, SQL>();
  private readonly control: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>;
  private readonly queue: Job[] = [];
  private busy = false;
  /** Messages of the running group's transactions, sent after its COMMIT. */
  private outbox: Array<[BusTopic, string]> = [];
  /**
   * `stableRead`s of the running group, by key: shared by consecutive members
   * that named their locks (record writes hold the schema lock shared, so
   * nothing among them changes what they read). Any other member may change
   * it (a schema change is one): the reads are forgotten before and after it.
   */
  private readonly stableReads = new Map<string, Promise<unknown>>();

  /**
   * `bus`: the instance's in-process bus, which `publish` sends on (none:
   * messages go nowhere); `project`: the project whose store this is;
   * `observer`: the metrics; `committed`: the instance's commit feed, told
   * of each message synchronously at its commit (db/bus.ts).
   */
  constructor(
    file: string,
    private readonly bus?: LocalBus,
    readonly project: string | undefined = undefined,
    private readonly observer?: DbObserver,
    synchronous: SqliteSynchronous = 'NORMAL',
    private readonly committed?: CommitFeed,
  ) {
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL with WAL: a process crash loses no commit, a power loss may roll back the
    // last ones; FULL syncs the WAL on every commit so they survive that too.
    this.db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    const prepare = (text: string) => this.db.prepare(text);
    this.control = {
      begin: prepare('BEGIN IMMEDIATE'),
      commit: prepare('COMMIT'),
      rollback: prepare('ROLLBACK'),
      savepoint: prepare('SAVEPOINT request'),
      release: prepare('RELEASE request'),
      rollbackTo: prepare('ROLLBACK TO request'),
    };
  }

  table(name: string): SQL {
    let table = this.tables.get(name);
    if (table === undefined) {
      if (this.tables.size >= TABLE_CACHE_SIZE) this.tables.clear();
      this.tables.set(name, (table = sql`${sql.identifier(name)}`));
    }
    return table;
  }

  async all<T = DbRow>(query: SQL): Promise<T[]> {
    return this.statement(() => this.allNow<T>(query));
  }

  async get<T = DbRow>(query: SQL): Promise<T | undefined> {
    return this.statement(() => this.getNow<T>(query));
  }

  async run(query: SQL): Promise<{ changes: number }> {
    return this.statement(() => this.runNow(query));
  }

  /**
   * Every transaction is grouped here; `options.locks` says that its
   * `stableRead`s may be shared with the group's other members that name theirs.
   */
  transaction<T>(fn: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const asked = this.observer ? performance.now() : 0;
      this.queue.push({ kind: 'transaction', fn, resolve: resolve as (v: unknown) => void, reject, asked, locked: options?.locks !== undefined });
      if (!this.busy) {
        this.busy = true;
        // Wait one turn of the event loop: requests already read from their
        // sockets get to queue their transactions into the same group.
        setImmediate(() => void this.drain());
      }
    });
  }

  async lockUntilCommit(): Promise<void> {}

  async publish(topic: BusTopic, payload: string): Promise<void> {
    checkPayload(payload);
    this.committed?.emit(topic, payload);
    await this.bus?.publish(topic, payload);
  }

  async deferUntilCommit(query: SQL): Promise<void> {
    await this.run(query);
  }

  stableRead<T>(_key: string, read: () => Promise<T>): Promise<T> {
    return read();
  }

  /** A `stableRead` of the running group's member (see `stableReads`). */
  groupRead<T>(key: string, read: () => Promise<T>): Promise<T> {
    let value = this.stableReads.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = read();
      this.stableReads.set(key, value);
      // A failed read is not the group's answer: the next member reads again.
      value.catch(() => this.stableReads.get(key) === value && this.stableReads.delete(key));
    }
    return value;
  }

  /** A message of the running transaction: kept until its group commits. */
  queueMessage(topic: BusTopic, payload: string): void {
    checkPayload(payload);
    if (!this.outbox.some(([t, p]) => t === topic && p === payload)) this.outbox.push([topic, payload]);
  }

  /** Tells a transaction's caller it committed (its time to the observer first). */
  private committedJob(job: TransactionJob, value: unknown): void {
    this.observer?.transaction('sqlite', (performance.now() - job.asked) / 1000, true);
    job.resolve(value);
  }

  /** Tells a transaction's caller it failed or was rolled back (its time to the observer first). */
  private failedJob(job: TransactionJob, err: unknown): void {
    this.observer?.transaction('sqlite', (performance.now() - job.asked) / 1000, false);
    job.reject(err);
  }

  /**
   * Copies the store into `file` with SQLite's online backup API, all pages in
   * one step: one read snapshot, consistent while writers go on (WAL lets them).
   */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file, { progress: () => 0x7fffffff });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Runs a query now: for the queue and for transactions, which own the connection. */
  allNow<T>(query: SQL): T[] {
    const { stmt, reader, params } = this.prepare(query);
    if (!reader) {
      stmt.run(...params);
      return [];
    }
    return stmt.all(...params) as T[];
  }

  /**
   * The first row, now: better-sqlite3's `get` steps once, where `all` steps
   * until the end and builds an array (a point lookup paid for both).
   */
  getNow<T>(query: SQL): T | undefined {
    const { stmt, reader, params } = this.prepare(query);
    if (!reader) {
      stmt.run(...params);
      return undefined;
    }
    return stmt.get(...params) as T | undefined;
  }

  /** Runs a statement now: for the queue and for transactions, which own the connection. */
  runNow(query: SQL): { changes: number } {
    const { stmt, params } = this.prepare(query);
    return { changes: stmt.run(...params).changes };
  }

  /** A single statement: at once on an idle connection, else in its turn. */
  private statement<T>(work: () => T): Promise<T> {
    if (!this.busy) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => this.queue.push({ kind: 'statement', work, resolve: resolve as (v: unknown) => void, reject }));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.kind === 'statement') {
          this.queue.shift();
          try {
            head.resolve(head.work());
          } catch (err) {
            head.reject(err);
          }
          continue;
        }
        let size = 1;
        while (size < this.queue.length && size < MAX_GROUP && this.queue[size].kind === 'transaction') size++;
        await this.commitGroup(this.queue.splice(0, size) as TransactionJob[]);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runs a group of transactions, each in a savepoint, under one BEGIN/COMMIT. */
  private async commitGroup(group: TransactionJob[]): Promise<void> {
    this.observer?.commitGroup(group.length);
    try {
      await this.runGroup(group);
    } finally {
      this.stableReads.clear();
    }
  }

  private async runGroup(group: TransactionJob[]): Promise<void> {
    const tx = new SqliteTransaction(this);
    const done: Array<{ job: TransactionJob; value: unknown }> = [];
    try {
      this.control.begin.run();
    } catch (err) {
      for (const job of group) this.failedJob(job, err);
      return;
    }
    this.outbox = [];
    this.stableReads.clear();
    for (const job of group) {
      if (!job.locked) this.stableReads.clear();
      this.control.savepoint.run();
      const sent = this.outbox.length;
      try {
        const value = await job.fn(tx);
        this.control.release.run();
        done.push({ job, value });
      } catch (err) {
        if (!this.db.inTransaction) {
          // SQLite itself abandoned the transaction (I/O error, disk full):
          // nothing of this group was kept, so nobody may be told otherwise.
          for (const d of done) this.failedJob(d.job, err);
          this.failedJob(job, err);
          this.queue.unshift(...group.slice(group.indexOf(job) + 1));
          return;
        }
        this.control.rollbackTo.run();
        this.control.release.run();
        // A rolled-back transaction's messages never go out.
        this.outbox.length = sent;
        this.failedJob(job, err);
      } finally {
        // What a member without named locks ran may have changed what the next ones read.
        if (!job.locked) this.stableReads.clear();
      }
    }
    try {
      this.control.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.control.rollback.run();
      for (const d of done) this.failedJob(d.job, err);
      return;
    }
    // The feed before any caller resumes: this process's next request already sees the change.
    for (const [topic, payload] of this.outbox) this.committed?.emit(topic, payload);
    for (const [topic, payload] of this.outbox) void this.bus?.publish(topic, payload);
    this.outbox = [];
    for (const d of done) this.committedJob(d.job, d.value);
  }

  private prepare(query: SQL): { stmt: BetterSqlite3.Statement; reader: boolean; params: unknown[] } {
    const compiled = sqlText(query, false) ?? dialect.sqlToQuery(query);
    let prepared = this.statements.get(compiled.sql);
    if (!prepared) {
      const stmt = this.db.prepare(compiled.sql);
      prepared = { stmt, reader: stmt.reader };
      // A plain bound on prepared statements: dynamic filters could otherwise grow it forever.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      this.statements.set(compiled.sql, prepared);
    }
    return { stmt: prepared.stmt, reader: prepared.reader, params: compiled.params };
  }
}

/** The handle a transaction's callback gets: runs on the locked connection directly. */
class SqliteTransaction implements Database {
  readonly dialect = 'sqlite' as const;
  readonly inTransaction = true;
  readonly project: string | undefined;
  constructor(private readonly owner: SqliteDatabase) {
    this.project = owner.project;
  }
  table(name: string): SQL {
    return this.owner.table(name);
  }
  async all<T = DbRow>(query: SQL): Promise<T[]> {
    return this.owner.allNow<T>(query);
  }
  async get<T = DbRow>(query: SQL): Promise<T | undefined> {
    return this.owner.getNow<T>(query);
  }
  async run(query: SQL): Promise<{ changes: number }> {
    return this.owner.runNow(query);
  }
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async lockUntilCommit(): Promise<void> {}
  async publish(topic: BusTopic, payload: string): Promise<void> {
    this.owner.queueMessage(topic, payload);
  }
  async deferUntilCommit(query: SQL): Promise<void> {
    this.owner.runNow(query);
  }
  stableRead<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.owner.groupRead(key, read);
  }
  async close(): Promise<void> {}
}
