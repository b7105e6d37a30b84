import { sql } from 'drizzle-orm';
import type { Database } from './database.ts';

/**
 * Versioned shared state. Every piece of state a process caches in memory has
 * a version in the store that holds it (a `version.<piece>` row of the
 * project's `_settings`, or of the instance's `settings` for the project
 * registry). A change bumps it in the change's own transaction
 * (`bumpVersion`), which also announces it on the bus (topic `state`). A
 * process drops a cached value older than the newest version it has heard of,
 * from the bus or from re-reading the version rows, which it does at most
 * every `stateCheckMs` before a request that depends on them: a lost bus
 * message delays a change by at most that much (docs/deployment.md).
 *
 * Not versioned because not cached: API keys, auth settings and the channel
 * rule are read from the store on every use.
 */
export type Piece =
  /** A project's collection catalog: definitions and their rules. */
  | 'collections'
  /** A project's signing keys (tokens, jwks.json). */
  | 'signing_keys'
  /** The instance's project registry (which projects exist). */
  | 'projects';

const PREFIX = 'version.';

function settingsTable(db: Database) {
  return db.table(db.project === undefined ? 'settings' : '_settings');
}

/**
 * Bumps a piece's version inside the change's transaction and announces it
 * on commit. Answers the new version: the writer's own cache is as new as that.
 */
export async function bumpVersion(tx: Database, piece: Piece): Promise<number> {
  const table = settingsTable(tx);
  const row = await tx.get<{ value: string }>(sql`INSERT INTO ${table} (key, value) VALUES (${PREFIX + piece}, '1')
    ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(${table}.value AS INTEGER) + 1 AS TEXT) RETURNING value`);
  const version = Number(row!.value);
  await tx.publish('state', `${tx.project ?? ''} ${piece} ${version}`);
  return version;
}

/** Every piece's version in a store (0 for a piece never changed). */
export async function readVersions(db: Database): Promise<Map<Piece, number>> {
  const rows = await db.all<{ key: string; value: string }>(sql`SELECT key, value FROM ${settingsTable(db)} WHERE key LIKE ${PREFIX + '%'}`);
  return new Map(rows.map((r) => [r.key.slice(PREFIX.length) as Piece, Number(r.value)]));
}

/** A `state` bus message, parsed; undefined when it is not one. */
export function parseStateMessage(payload: string): { project: string | undefined; piece: Piece; version: number } | undefined {
  const [project, piece, version] = payload.split(' ');
  if (piece === undefined || version === undefined) return undefined;
  return { project: project === '' ? undefined : project, piece: piece as Piece, version: Number(version) };
}

const states = new WeakMap<Database, StoreState>();

/** The state of a store the registry opened, or undefined (a transaction, a store opened elsewhere). */
export function stateOf(db: Database): StoreState | undefined {
  return states.get(db);
}

/**
 * The versions of one store as a process knows them, and the values it
 * caches from it. `check()` re-reads the version rows at most every
 * `checkMs`; `heard()` takes a version from the bus (or from the process's
 * own commit) at once. Reads go through the caller's handle: inside a
 * transaction on SQLite, the store's own handle would wait for that very
 * transaction.
 */
export class StoreState {
  private readonly heardOf = new Map<Piece, number>();
  private readonly cached = new Map<Piece, { version: number; value: Promise<unknown> }>();
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    db: Database,
    private readonly checkMs: number,
  ) {
    states.set(db, this);
  }

  /** A version exists (bus message, re-read, own commit): values older than it are stale. */
  heard(piece: Piece, version: number): void {
    if (version > (this.heardOf.get(piece) ?? 0)) this.heardOf.set(piece, version);
  }

  /** The bus may have lost messages: the next `check()` re-reads. */
  forget(): void {
    this.checkedAt = 0;
  }

  /** Drops a cached value (work that changed it rolled back). */
  drop(piece: Piece): void {
    this.cached.delete(piece);
  }

  /**
   * Re-reads the version rows if the last read is older than `checkMs`, or
   * now with `force` (one query, shared by concurrent callers).
   */
  async check(db: Database, force = false): Promise<void> {
    if (!force && Date.now() - this.checkedAt < this.checkMs) return;
    if (db.inTransaction) {
      for (const [piece, version] of await readVersions(db)) this.heard(piece, version);
      return;
    }
    this.checking ??= (async () => {
      try {
        const started = Date.now();
        for (const [piece, version] of await readVersions(db)) this.heard(piece, version);
        this.checkedAt = started;
      } finally {
        this.checking = undefined;
      }
    })();
    await this.checking;
  }

  /**
   * The cached value of a piece, loaded again when a newer version exists.
   * The version is read before the value, so the value is at least that new:
   * a change racing the load makes a later call load again, never the
   * reverse. Inside a transaction a loaded value is not cached (the
   * transaction may hold uncommitted changes).
   */
  async get<T>(piece: Piece, db: Database, load: () => Promise<T>): Promise<T> {
    await this.check(db);
    const entry = this.cached.get(piece);
    if (entry && entry.version >= (this.heardOf.get(piece) ?? 0)) return entry.value as Promise<T>;
    const version = (await readVersions(db)).get(piece) ?? 0;
    if (db.inTransaction) return load();
    this.heard(piece, version);
    const current = this.cached.get(piece);
    if (current && current.version >= version) return current.value as Promise<T>;
    const fresh = { version, value: load() };
    this.cached.set(piece, fresh);
    fresh.value.catch(() => this.cached.get(piece) === fresh && this.cached.delete(piece));
    return fresh.value;
  }

  /** The process's own change, committed as `version`: its value is cached as is. */
  set<T>(piece: Piece, version: number, value: T): void {
    this.heard(piece, version);
    const current = this.cached.get(piece);
    if (!current || current.version <= version) this.cached.set(piece, { version, value: Promise.resolve(value) });
  }
}
