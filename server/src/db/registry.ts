import { sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import type { StoreFactory } from './instance.ts';
import { bumpVersion, parseStateMessage, StoreState } from './shared-state.ts';

/** A row of the instance's project table. */
export interface ProjectInfo {
  id: string;
  name: string;
  createdAt: string;
}

/**
 * An open project: its store and what this process caches from it (the
 * collection catalog, signing keys), kept current by `state` (db/shared-state.ts).
 */
export interface ProjectHandle extends ProjectInfo {
  db: Database;
  state: StoreState;
}

/**
 * The projects of the instance. Stores open lazily on first use and stay open;
 * concurrent first uses share one opening. Which projects exist is versioned
 * shared state: a project deleted or re-created by another process is seen
 * within the state bound, and its old handle is dropped.
 */
export class ProjectRegistry {
  private readonly open = new Map<string, Promise<ProjectHandle | undefined>>();
  private readonly state: StoreState;
  private readonly stopListening: () => void;
  private readonly goneListeners = new Set<(id: string) => void>();

  constructor(
    private readonly instance: Database,
    private readonly stores: StoreFactory,
    private readonly checkMs = 250,
  ) {
    this.state = new StoreState(instance, checkMs);
    this.stopListening = stores.bus.subscribe('state', (payload) => {
      if (payload === undefined) {
        this.state.forget();
        for (const handle of this.open.values()) void handle.then((h) => h?.state.forget(), () => {});
        return;
      }
      const message = parseStateMessage(payload);
      if (!message) return;
      if (message.project === undefined) this.state.heard(message.piece, message.version);
      else void this.open.get(message.project)?.then((h) => h?.state.heard(message.piece, message.version), () => {});
    });
  }

  /** Calls `listener` with the id of a project this process had open and that no longer exists (deleted or replaced). */
  onGone(listener: (id: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /** The open project, or undefined when there is no such project (any more). */
  async get(id: string): Promise<ProjectHandle | undefined> {
    const existing = (await this.existing()).get(id);
    let handle = this.open.get(id);
    if (handle) {
      const open = await handle.catch(() => undefined);
      if (open && open.createdAt !== existing) {
        // Deleted, or deleted and created again, by another process: this handle is of the old one.
        this.forgetHandle(id, handle);
        handle = undefined;
      }
    }
    if (!existing) return undefined;
    if (!handle) {
      handle = this.load(id);
      this.open.set(id, handle);
      // A miss is not cached: the project may be created later (by another process, too).
      handle.then((h) => h ?? this.open.delete(id), () => this.open.delete(id));
    }
    return handle;
  }

  async list(): Promise<ProjectInfo[]> {
    const rows = await this.instance.all<{ id: string; name: string; created_at: string }>(
      sql`SELECT id, name, created_at FROM ${this.instance.table('projects')} ORDER BY id`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  /** Creates the project's row and store. The caller has checked the id. */
  async create(id: string, name: string): Promise<ProjectHandle> {
    const createdAt = new Date().toISOString();
    // The store first: if it cannot be created, no row points at nothing.
    const db = await this.stores.openProject(id);
    const version = await this.instance.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO ${tx.table('projects')} (id, name, created_at) VALUES (${id}, ${name}, ${createdAt})`);
      return bumpVersion(tx, 'projects');
    });
    this.state.heard('projects', version);
    const handle: ProjectHandle = { id, name, createdAt, db, state: new StoreState(db, this.checkMs) };
    this.open.set(id, Promise.resolve(handle));
    return handle;
  }

  /**
   * Records a project whose store is already in place (a restored one), in
   * `db` when the caller's transaction must carry it (the instance store by default).
   */
  async register(info: ProjectInfo, db: Database = this.instance): Promise<void> {
    const version = await db.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO ${tx.table('projects')} (id, name, created_at) VALUES (${info.id}, ${info.name}, ${info.createdAt})`);
      return bumpVersion(tx, 'projects');
    });
    this.state.heard('projects', version);
  }

  /** Deletes the project and all of its data. */
  async delete(id: string): Promise<boolean> {
    const handle = await this.get(id);
    if (!handle) return false;
    this.open.delete(id);
    await handle.db.close();
    const version = await this.instance.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM ${tx.table('projects')} WHERE id = ${id}`);
      return bumpVersion(tx, 'projects');
    });
    this.state.heard('projects', version);
    for (const listener of this.goneListeners) listener(id);
    await this.stores.dropProject(id);
    return true;
  }

  /** Which projects exist (id → created_at), cached as versioned state. */
  private existing(): Promise<Map<string, string>> {
    return this.state.get('projects', this.instance, async () => {
      const rows = await this.instance.all<{ id: string; created_at: string }>(sql`SELECT id, created_at FROM ${this.instance.table('projects')}`);
      return new Map(rows.map((r) => [r.id, r.created_at]));
    });
  }

  private forgetHandle(id: string, handle: Promise<ProjectHandle | undefined>): void {
    if (this.open.get(id) !== handle) return;
    this.open.delete(id);
    void handle.then((h) => h?.db.close(), () => {});
    for (const listener of this.goneListeners) listener(id);
  }

  /** The projects whose stores are open now (metrics read them without opening the others). */
  async opened(): Promise<ProjectHandle[]> {
    const handles = await Promise.all([...this.open.values()].map((h) => h.catch(() => undefined)));
    return handles.filter((h): h is ProjectHandle => h !== undefined);
  }

  async closeAll(): Promise<void> {
    this.stopListening();
    for (const handle of this.open.values()) await (await handle.catch(() => undefined))?.db.close();
    this.open.clear();
  }

  private async load(id: string): Promise<ProjectHandle | undefined> {
    const row = await this.instance.get<{ id: string; name: string; created_at: string }>(
      sql`SELECT id, name, created_at FROM ${this.instance.table('projects')} WHERE id = ${id}`,
    );
    if (!row) return undefined;
    const db = await this.stores.openProject(id);
    return { id: row.id, name: row.name, createdAt: row.created_at, db, state: new StoreState(db, this.checkMs) };
  }
}
