import { sql } from 'drizzle-orm';
import type { CollectionDefinition } from '@baas/protocol';
import type { Database } from './database.ts';
import type { StoreFactory } from './instance.ts';

/** A row of the instance's project table. */
export interface ProjectInfo {
  id: string;
  name: string;
  createdAt: string;
}

/** An open project: its store and the collection definitions cached from it. */
export interface ProjectHandle extends ProjectInfo {
  db: Database;
  /** Loaded on first use by the collections service; replaced on every schema change. */
  collections?: Map<string, CollectionDefinition>;
}

/**
 * The projects of the instance. Stores open lazily on first use and stay open;
 * concurrent first uses share one opening.
 */
export class ProjectRegistry {
  private readonly open = new Map<string, Promise<ProjectHandle | undefined>>();

  constructor(
    private readonly instance: Database,
    private readonly stores: StoreFactory,
  ) {}

  /** The open project, or undefined when there is no such project. */
  get(id: string): Promise<ProjectHandle | undefined> {
    let handle = this.open.get(id);
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
    await this.instance.run(sql`INSERT INTO ${this.instance.table('projects')} (id, name, created_at) VALUES (${id}, ${name}, ${createdAt})`);
    const handle: ProjectHandle = { id, name, createdAt, db };
    this.open.set(id, Promise.resolve(handle));
    return handle;
  }

  /**
   * Records a project whose store is already in place (a restored one), in
   * `db` when the caller's transaction must carry it (the instance store by default).
   */
  async register(info: ProjectInfo, db: Database = this.instance): Promise<void> {
    await db.run(sql`INSERT INTO ${db.table('projects')} (id, name, created_at) VALUES (${info.id}, ${info.name}, ${info.createdAt})`);
  }

  /** Deletes the project and all of its data. */
  async delete(id: string): Promise<boolean> {
    const handle = await this.get(id);
    if (!handle) return false;
    this.open.delete(id);
    await handle.db.close();
    await this.instance.run(sql`DELETE FROM ${this.instance.table('projects')} WHERE id = ${id}`);
    await this.stores.dropProject(id);
    return true;
  }

  async closeAll(): Promise<void> {
    for (const handle of this.open.values()) await (await handle.catch(() => undefined))?.db.close();
    this.open.clear();
  }

  private async load(id: string): Promise<ProjectHandle | undefined> {
    const row = await this.instance.get<{ id: string; name: string; created_at: string }>(
      sql`SELECT id, name, created_at FROM ${this.instance.table('projects')} WHERE id = ${id}`,
    );
    if (!row) return undefined;
    const db = await this.stores.openProject(id);
    return { id: row.id, name: row.name, createdAt: row.created_at, db };
  }
}
