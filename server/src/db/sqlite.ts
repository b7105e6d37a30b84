import BetterSqlite3 from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { Database, DbRow } from './database.ts';

const dialect = new SQLiteSyncDialect();
const STATEMENT_CACHE_SIZE = 500;

/**
 * A SQLite store on one better-sqlite3 connection.
 *
 * better-sqlite3 is synchronous, but transactions here are async (a service
 * awaits between statements), so two requests could interleave statements on
 * the one connection. A FIFO lock makes a transaction exclusive: while one is
 * open, every other call waits for it. Uncontended calls run at once.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly inTransaction = false;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  constructor(file: string) {
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  table(name: string): SQL {
    return sql`${sql.identifier(name)}`;
  }

  async all<T = DbRow>(query: SQL): Promise<T[]> {
    return this.exclusive(() => this.allNow<T>(query));
  }

  async get<T = DbRow>(query: SQL): Promise<T | undefined> {
    return (await this.all<T>(query))[0];
  }

  async run(query: SQL): Promise<{ changes: number }> {
    return this.exclusive(() => this.runNow(query));
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(new SqliteTransaction(this));
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.release();
    }
  }

  async lockUntilCommit(): Promise<void> {}

  async close(): Promise<void> {
    this.db.close();
  }

  /** Runs a query now, without the lock: for callers that hold it. */
  allNow<T>(query: SQL): T[] {
    const { stmt, params } = this.prepare(query);
    if (!stmt.reader) {
      stmt.run(...params);
      return [];
    }
    return stmt.all(...params) as T[];
  }

  /** Runs a statement now, without the lock: for callers that hold it. */
  runNow(query: SQL): { changes: number } {
    const { stmt, params } = this.prepare(query);
    return { changes: stmt.run(...params).changes };
  }

  /** Runs `work` at once when no transaction is open, else after it, holding the lock. */
  private async exclusive<T>(work: () => T): Promise<T> {
    if (!this.locked) return work();
    await this.acquire();
    try {
      return work();
    } finally {
      this.release();
    }
  }

  private prepare(query: SQL): { stmt: BetterSqlite3.Statement; params: unknown[] } {
    const compiled = dialect.sqlToQuery(query);
    let stmt = this.statements.get(compiled.sql);
    if (!stmt) {
      stmt = this.db.prepare(compiled.sql);
      // A plain bound on prepared statements: dynamic filters could otherwise grow it forever.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      this.statements.set(compiled.sql, stmt);
    }
    return { stmt, params: compiled.params };
  }

  private acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

/** The handle a transaction's callback gets: runs on the locked connection directly. */
class SqliteTransaction implements Database {
  readonly dialect = 'sqlite' as const;
  readonly inTransaction = true;
  constructor(private readonly owner: SqliteDatabase) {}
  table(name: string): SQL {
    return this.owner.table(name);
  }
  async all<T = DbRow>(query: SQL): Promise<T[]> {
    return this.owner.allNow<T>(query);
  }
  async get<T = DbRow>(query: SQL): Promise<T | undefined> {
    return this.owner.allNow<T>(query)[0];
  }
  async run(query: SQL): Promise<{ changes: number }> {
    return this.owner.runNow(query);
  }
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async lockUntilCommit(): Promise<void> {}
  async close(): Promise<void> {}
}
