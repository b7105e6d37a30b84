import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { version } from '../version.ts';
import { projectSchema, PostgresStores } from '../db/instance.ts';
import type { ProjectInfo } from '../db/registry.ts';
import { SqliteDatabase } from '../db/sqlite.ts';
import { ApiError } from '../errors.ts';
import type { BackupSources } from './sources.ts';
import { archivePaths, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, writeArchive, type Manifest } from './archive.ts';
import { dumpPostgres } from './postgres-store.ts';
import { silent, type Progress } from './progress.ts';
import { snapshotSqlite, type StoreSnapshot } from './sqlite-store.ts';

/** A blob the snapshot names was replaced or deleted before it was copied: take a new snapshot. */
class MovedOn extends Error {}
const ATTEMPTS = 3;

/**
 * Writes a backup archive of the whole instance, or of one project, to `file`
 * while the instance serves: each store is copied from one consistent
 * snapshot (on PostgreSQL all stores from the same one), then the storage
 * objects that snapshot refers to. An object replaced in between makes it
 * start over with a fresh snapshot (a few times at most).
 */
export async function createBackup(services: BackupSources, options: { file: string; project?: string; onProgress?: Progress }): Promise<{ manifest: Manifest; size: number }> {
  const progress = options.onProgress ?? silent;
  const file = resolve(options.file);
  const projects = await projectsOf(services, options.project);
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const staging = mkdtempSync(join(dirname(file), '.baas-backup-'));
    try {
      const manifest = await stage(services, staging, projects, options.project ? 'project' : 'instance', progress);
      progress({ kind: 'step', message: `writing ${file}` });
      return await writeArchive(staging, manifest, file);
    } catch (err) {
      if (!(err instanceof MovedOn) || attempt === ATTEMPTS) throw err;
      progress({ kind: 'step', message: `an object changed while it was copied: starting over (attempt ${attempt + 1} of ${ATTEMPTS})` });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}

async function projectsOf(services: BackupSources, id: string | undefined): Promise<ProjectInfo[]> {
  const all = await services.registry.list();
  if (id === undefined) return all;
  const one = all.find((p) => p.id === id);
  if (!one) throw new ApiError('project_not_found', `no project '${id}'`);
  return [one];
}

async function stage(services: BackupSources, staging: string, projects: ProjectInfo[], scope: Manifest['scope'], progress: Progress): Promise<Omit<Manifest, 'files'>> {
  const engine = services.config.databaseUrl ? 'postgres' : 'sqlite';
  const dirOf = (id?: string) => join(staging, id === undefined ? archivePaths.instance : archivePaths.project(id));
  progress({ kind: 'step', message: `taking a consistent snapshot of ${scope === 'instance' ? `the instance store and ${projects.length} project${projects.length === 1 ? '' : 's'}` : `project '${projects[0].id}'`} (${engine})` });
  let instance: StoreSnapshot | undefined;
  let stores: StoreSnapshot[];
  if (services.stores instanceof PostgresStores) {
    const targets = projects.map((p) => ({ schema: projectSchema(p.id), dir: dirOf(p.id), kind: 'project' as const }));
    const all = scope === 'instance' ? [{ schema: 'baas', dir: dirOf(), kind: 'instance' as const }, ...targets] : targets;
    stores = await dumpPostgres(services.stores.pool, all);
    if (scope === 'instance') instance = stores.shift();
  } else {
    if (scope === 'instance') {
      mkdirSync(dirOf(), { recursive: true });
      instance = await snapshotSqlite(sqliteOf(services.instance), join(dirOf(), 'instance.db'), 'instance');
    }
    stores = [];
    for (const project of projects) {
      const handle = await services.registry.get(project.id);
      if (!handle) throw new ApiError('project_not_found', `project '${project.id}' was deleted during the backup`);
      mkdirSync(dirOf(project.id), { recursive: true });
      stores.push(await snapshotSqlite(sqliteOf(handle.db), join(dirOf(project.id), 'data.db'), 'project'));
    }
  }
  for (const [i, project] of projects.entries()) await copyBlobs(services, staging, project.id, stores[i].blobKeys, progress);
  return {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    baasVersion: version,
    createdAt: new Date().toISOString(),
    engine,
    scope,
    ...(instance ? { instanceMigration: instance.migration } : {}),
    projects: projects.map((p, i) => ({ id: p.id, name: p.name, createdAt: p.createdAt, migration: stores[i].migration, objects: stores[i].blobKeys.length })),
  };
}

function sqliteOf(db: unknown): SqliteDatabase {
  if (!(db instanceof SqliteDatabase)) throw new Error('a SQLite store was expected');
  return db;
}

/** Copies the blobs a snapshot refers to into `blobs/<key>`, streamed. */
async function copyBlobs(services: BackupSources, staging: string, project: string, keys: string[], progress: Progress): Promise<void> {
  let bytes = 0;
  let lastReport = 0;
  for (const [i, key] of keys.entries()) {
    const target = join(staging, archivePaths.blobs(''), key);
    mkdirSync(dirname(target), { recursive: true });
    try {
      await pipeline(await services.blobs.get(key), createWriteStream(target));
    } catch (err) {
      if (!(await services.blobs.exists(key).catch(() => true))) throw new MovedOn();
      throw err;
    }
    bytes += statSync(target).size;
    if (i === keys.length - 1 || Date.now() - lastReport > 500) {
      lastReport = Date.now();
      progress({ kind: 'objects', project, done: i + 1, total: keys.length, bytes });
    }
  }
}
