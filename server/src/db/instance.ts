import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database, DbObserver } from './database.ts';
import { SqliteDatabase, type SqliteSynchronous } from './sqlite.ts';
import { CommitFeed, LocalBus, type InstanceBus } from './bus.ts';
import { PostgresBus } from './postgres-bus.ts';
import { closePool, createPool, PostgresDatabase } from './postgres.ts';
import { migrate, quote } from './migrate.ts';
import { instanceMigrations } from './instance-schema.ts';
import { projectMigrations } from './project-schema.ts';

/**
 * Where stores live, on either engine: SQLite files under the data directory,
 * or schemas of one PostgreSQL database.
 */
export interface StoreFactory {
  /** Whether the instance store exists already (without creating it). */
  hasInstance(): Promise<boolean>;
  openInstance(): Promise<Database>;
  openProject(id: string): Promise<Database>;
  dropProject(id: string): Promise<void>;
  /** The instance bus (db/bus.ts): opened on first use, closed with the factory. */
  readonly bus: InstanceBus;
  /** This process's own messages, synchronously at their commit (db/bus.ts): what must not wait for the bus. */
  readonly committed: CommitFeed;
  close(): Promise<void>;
}

/** SQLite: `data/instance.db` and `data/projects/<id>/data.db`. */
export class SqliteStores implements StoreFactory {
  // One process serves a SQLite instance, so its bus is in-process.
  readonly bus = new LocalBus();
  readonly committed = new CommitFeed();
  constructor(
    readonly dataDir: string,
    private readonly observer?: DbObserver,
    private readonly synchronous: SqliteSynchronous = 'NORMAL',
  ) {}

  async hasInstance(): Promise<boolean> {
    return existsSync(join(this.dataDir, 'instance.db'));
  }

  async openInstance(): Promise<Database> {
    mkdirSync(this.dataDir, { recursive: true });
    const db = new SqliteDatabase(join(this.dataDir, 'instance.db'), this.bus, undefined, this.observer, this.synchronous, this.committed);
    await migrate(db, instanceMigrations, quote);
    return db;
  }

  async openProject(id: string): Promise<Database> {
    const dir = join(this.dataDir, 'projects', id);
    mkdirSync(dir, { recursive: true });
    const db = new SqliteDatabase(join(dir, 'data.db'), this.bus, id, this.observer, this.synchronous, this.committed);
    await migrate(db, projectMigrations, quote);
    return db;
  }

  async dropProject(id: string): Promise<void> {
    rmSync(join(this.dataDir, 'projects', id), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}

/** PostgreSQL: schema `baas` for the instance, `project_<id>` for each project. */
export class PostgresStores implements StoreFactory {
  /** The instance's pool; backups take their snapshot on one of its connections. */
  readonly pool: pg.Pool;
  readonly committed = new CommitFeed();
  private listening: PostgresBus | undefined;
  constructor(
    private readonly url: string,
    private readonly observer?: DbObserver,
  ) {
    this.pool = createPool(url);
  }

  // Lazy: the CLI opens factories for one query (instanceExists, restore) and needs no LISTEN connection.
  get bus(): PostgresBus {
    return (this.listening ??= new PostgresBus(this.url, this.pool));
  }

  async hasInstance(): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT to_regclass('baas.admins') IS NOT NULL AS present`);
    return rows[0].present === true;
  }

  async openInstance(): Promise<Database> {
    return this.openSchema('baas', instanceMigrations);
  }

  async openProject(id: string): Promise<Database> {
    return this.openSchema(projectSchema(id), projectMigrations);
  }

  async dropProject(id: string): Promise<void> {
    await this.dropSchema(projectSchema(id));
  }

  async dropSchema(schema: string): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`);
  }

  async close(): Promise<void> {
    await this.listening?.close();
    await closePool(this.pool);
  }

  private async openSchema(schema: string, migrations: typeof instanceMigrations): Promise<Database> {
    const db = new PostgresDatabase(this.pool, schema, undefined, this.observer, undefined, this.committed);
    await db.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.identifier(schema)}`);
    await migrate(db, migrations, (name) => `${quote(schema)}.${quote(name)}`);
    return db;
  }
}

/** The schema of a project on PostgreSQL. */
export function projectSchema(id: string): string {
  return `project_${id}`;
}

/** The store factory the config asks for; its stores report to `observer` (the metrics) when given. */
export function storesFor(config: Config, observer?: DbObserver): StoreFactory {
  return config.databaseUrl ? new PostgresStores(config.databaseUrl, observer) : new SqliteStores(config.dataDir, observer, config.sqliteSynchronous);
}

/** Whether the store the config names holds an instance (a typo in dataDir or databaseUrl points at none). */
export async function instanceExists(config: Config): Promise<boolean> {
  const stores = storesFor(config);
  try {
    return await stores.hasInstance();
  } finally {
    await stores.close();
  }
}

/** Where the config's store is, for messages: the data directory, or the database URL without its password. */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return config.dataDir;
  const url = new URL(config.databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

/** Removes the instance store of the config (a failed `baas init`): never call it on an instance in use. */
export async function dropInstance(config: Config): Promise<void> {
  if (!config.databaseUrl) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(config.dataDir, `instance.db${suffix}`), { force: true });
    return;
  }
  const stores = new PostgresStores(config.databaseUrl);
  try {
    await stores.dropSchema('baas');
  } finally {
    await stores.close();
  }
}
