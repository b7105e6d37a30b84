import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { instanceExists, projectSchema, PostgresStores, SqliteStores } from '../db/instance.ts';
import { instanceMigrations } from '../db/instance-schema.ts';
import { PostgresDatabase } from '../db/postgres.ts';
import { projectMigrations } from '../db/project-schema.ts';
import { ApiError } from '../errors.ts';
import { projectIdPattern } from '../ids.ts';
import type { BackupSources } from './sources.ts';
import { openBlobDriver, type BlobDriver } from '../storage/index.ts';
import { FsDriver } from '../storage/fs.ts';
import { archivePaths, readArchive, walk, type Manifest, type ManifestProject } from './archive.ts';
import { loadPostgres } from './postgres-store.ts';
import { silent, type Progress } from './progress.ts';

const latest = (migrations: Array<{ version: number }>) => Math.max(...migrations.map((m) => m.version));

/** Extracts and verifies an archive next to the data directory, runs `fn` on it, and removes it. */
async function withArchive<T>(config: Config, file: string, progress: Progress, fn: (manifest: Manifest, dir: string) => Promise<T>): Promise<T> {
  mkdirSync(dirname(config.dataDir), { recursive: true });
  const dir = mkdtempSync(join(dirname(config.dataDir), '.baas-restore-'));
  try {
    progress({ kind: 'step', message: `reading and verifying ${file}` });
    const manifest = await readArchive(file, dir);
    const engine = config.databaseUrl ? 'postgres' : 'sqlite';
    if (manifest.engine !== engine) {
      throw new ApiError('invalid_backup', `${file} holds a ${manifest.engine} instance and this one runs on ${engine}: restore it into a ${manifest.engine} instance; nothing was changed`);
    }
    const tooNew = manifest.projects.find((p) => p.migration > latest(projectMigrations));
    if (tooNew || (manifest.instanceMigration ?? 0) > latest(instanceMigrations)) {
      throw new ApiError('invalid_backup', `${file} was made by a newer baas (${manifest.baasVersion}): upgrade this one first; nothing was changed`);
    }
    return await fn(manifest, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The archive's blob files of a project: [path in the extracted archive, blob key under `target`]. */
function blobFiles(dir: string, source: string, target: string): Array<[string, string]> {
  const root = join(dir, archivePaths.blobs(source));
  return walk(root).map((path) => [path, `${target}/${relative(root, path).split(sep).join('/')}`]);
}

/** Puts a project's blobs into `blobs` under `target`; returns the keys written, for undoing. */
async function putBlobs(blobs: BlobDriver, dir: string, project: ManifestProject, target: string, progress: Progress, written: string[]): Promise<void> {
  const files = blobFiles(dir, project.id, target);
  for (const [i, [path, key]] of files.entries()) {
    await blobs.put(key, createReadStream(path), { contentType: 'application/octet-stream' });
    written.push(key);
    if (i === files.length - 1 || i % 100 === 99) progress({ kind: 'objects', project: target, done: i + 1, total: files.length, bytes: 0 });
  }
}

/** A restored project's objects point at blobs under its new id. */
async function moveBlobKeys(db: Database, source: string, target: string): Promise<void> {
  if (source === target) return;
  await db.run(sql`UPDATE ${db.table('_objects')} SET blob_key = ${target} || substr(blob_key, ${source.length + 1})`);
}

async function undoBlobs(blobs: BlobDriver, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => blobs.delete(key).catch(() => undefined)));
}

/**
 * Restores one project of an archive (an instance or a project backup) into a
 * running instance, under its own id or `as`, which must be free. All or
 * nothing: its store is built aside (a temp directory, or inside one
 * PostgreSQL transaction) and only then put in place and registered; its
 * objects are copied first and removed again if anything fails.
 */
export async function restoreProject(
  services: BackupSources,
  options: { file: string; project?: string; as?: string; onProgress?: Progress },
): Promise<ManifestProject & { restoredAs: string }> {
  const progress = options.onProgress ?? silent;
  return withArchive(services.config, options.file, progress, async (manifest, dir) => {
    const ids = manifest.projects.map((p) => p.id);
    const sourceId = options.project ?? (ids.length === 1 ? ids[0] : undefined);
    if (sourceId === undefined) throw new ApiError('invalid_backup', `${options.file} holds the projects ${ids.join(', ')}: name the one to restore`);
    const source = manifest.projects.find((p) => p.id === sourceId);
    if (!source) throw new ApiError('invalid_backup', `${options.file} holds no project '${sourceId}' (it holds ${ids.join(', ') || 'none'})`);
    const target = options.as ?? source.id;
    if (!projectIdPattern.test(target)) throw new ApiError('validation_failed', `'${target}' is not a project id: lowercase letters, digits, - and _, starting with a letter, at most 40`);
    if (await services.registry.get(target)) {
      throw new ApiError('conflict', `project '${target}' exists: restore under another id (as), or delete it first`);
    }
    const info = { id: target, name: source.name, createdAt: source.createdAt };
    const written: string[] = [];
    try {
      progress({ kind: 'step', message: `copying ${source.objects} storage object${source.objects === 1 ? '' : 's'} of '${source.id}'` });
      await putBlobs(services.blobs, dir, source, target, progress, written);
      progress({ kind: 'step', message: `restoring the store of '${source.id}'${target === source.id ? '' : ` as '${target}'`}` });
      const stores = services.stores;
      if (stores instanceof PostgresStores) {
        await inTransaction(stores.pool, async (client) => {
          const db = await loadPostgres(stores.pool, client, projectSchema(target), join(dir, archivePaths.project(source.id)), projectMigrations, source.migration);
          await moveBlobKeys(db, source.id, target);
          await services.registry.register(info, new PostgresDatabase(stores.pool, 'baas', client));
        });
      } else {
        await placeSqliteProject((stores as SqliteStores).dataDir, dir, source.id, target, () => services.registry.register(info));
      }
    } catch (err) {
      await undoBlobs(services.blobs, written);
      throw err;
    }
    return { ...source, restoredAs: target };
  });
}

/** Builds a SQLite project store in a temp directory beside its place, then renames it into place and registers it. */
async function placeSqliteProject(dataDir: string, archive: string, source: string, target: string, register: () => Promise<void>): Promise<void> {
  const projectsDir = join(dataDir, 'projects');
  const place = join(projectsDir, target);
  if (existsSync(place)) throw new ApiError('conflict', `${place} exists but no project '${target}' is registered (left over?): remove it first`);
  mkdirSync(projectsDir, { recursive: true });
  // A project id never starts with '.', so the temp directory cannot be taken for a project.
  const aside = mkdtempSync(join(projectsDir, `.restoring-${target}-`));
  try {
    copyFileSync(join(archive, archivePaths.project(source), 'data.db'), join(aside, 'data.db'));
    // Opening migrates it to this version of baas.
    const db = await new SqliteStores(dataDir).openProject(basename(aside));
    try {
      await moveBlobKeys(db, source, target);
    } finally {
      await db.close();
    }
    renameSync(aside, place);
    try {
      await register();
    } catch (err) {
      rmSync(place, { recursive: true, force: true });
      throw err;
    }
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}

/**
 * Restores a whole-instance archive into a store that holds no instance (a
 * new data directory, or an empty database), with the server stopped. SQLite:
 * everything is built in a directory beside the data directory and renamed
 * into place at the end; PostgreSQL: every schema in one transaction.
 */
export async function restoreInstance(config: Config, options: { file: string; onProgress?: Progress }): Promise<Manifest> {
  const progress = options.onProgress ?? silent;
  if (await instanceExists(config)) {
    throw new ApiError('conflict', `${config.databaseUrl ? 'the database' : config.dataDir} already holds an instance: restore the whole instance into a new data directory or an empty database, or restore single projects with --project`);
  }
  if (!config.databaseUrl && existsSync(config.dataDir) && readdirSync(config.dataDir).length > 0) {
    throw new ApiError('conflict', `${config.dataDir} is not empty: restore the whole instance into a new or empty data directory`);
  }
  return withArchive(config, options.file, progress, async (manifest, dir) => {
    if (manifest.scope !== 'instance') {
      throw new ApiError('invalid_backup', `${options.file} holds only project '${manifest.projects[0]?.id}': restore it into an instance with --project`);
    }
    if (config.databaseUrl) {
      await restorePostgresInstance(config, manifest, dir, progress);
    } else {
      await restoreSqliteInstance(config, manifest, dir, progress);
    }
    return manifest;
  });
}

async function restoreSqliteInstance(config: Config, manifest: Manifest, dir: string, progress: Progress): Promise<void> {
  const aside = mkdtempSync(`${config.dataDir}.restoring-`);
  // With the fs driver the objects live inside the data directory, so they move into place with it.
  const blobs: BlobDriver = config.storageDriver === 'fs' ? new FsDriver(join(aside, 'storage')) : openBlobDriver(config);
  const written: string[] = [];
  try {
    progress({ kind: 'step', message: 'restoring the instance store' });
    copyFileSync(join(dir, archivePaths.instance, 'instance.db'), join(aside, 'instance.db'));
    const stores = new SqliteStores(aside);
    await (await stores.openInstance()).close();
    for (const project of manifest.projects) {
      progress({ kind: 'step', message: `restoring project '${project.id}' (${project.objects} object${project.objects === 1 ? '' : 's'})` });
      mkdirSync(join(aside, 'projects', project.id), { recursive: true });
      copyFileSync(join(dir, archivePaths.project(project.id), 'data.db'), join(aside, 'projects', project.id, 'data.db'));
      await (await stores.openProject(project.id)).close();
      await putBlobs(blobs, dir, project, project.id, progress, written);
    }
    if (existsSync(config.dataDir)) rmdirSync(config.dataDir);
    mkdirSync(dirname(config.dataDir), { recursive: true });
    renameSync(aside, config.dataDir);
  } catch (err) {
    if (config.storageDriver !== 'fs') await undoBlobs(blobs, written);
    rmSync(aside, { recursive: true, force: true });
    throw err;
  } finally {
    blobs.close?.();
  }
}

async function restorePostgresInstance(config: Config, manifest: Manifest, dir: string, progress: Progress): Promise<void> {
  const stores = new PostgresStores(config.databaseUrl!);
  const blobs = openBlobDriver(config);
  const written: string[] = [];
  try {
    for (const project of manifest.projects) {
      progress({ kind: 'step', message: `copying the ${project.objects} storage object${project.objects === 1 ? '' : 's'} of '${project.id}'` });
      await putBlobs(blobs, dir, project, project.id, progress, written);
    }
    await inTransaction(stores.pool, async (client) => {
      progress({ kind: 'step', message: 'restoring the instance store' });
      await loadPostgres(stores.pool, client, 'baas', join(dir, archivePaths.instance), instanceMigrations, manifest.instanceMigration ?? 1);
      for (const project of manifest.projects) {
        progress({ kind: 'step', message: `restoring project '${project.id}'` });
        await loadPostgres(stores.pool, client, projectSchema(project.id), join(dir, archivePaths.project(project.id)), projectMigrations, project.migration);
      }
      progress({ kind: 'step', message: 'committing' });
    });
  } catch (err) {
    await undoBlobs(blobs, written);
    throw err;
  } finally {
    blobs.close?.();
    await stores.close();
  }
}

async function inTransaction(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
