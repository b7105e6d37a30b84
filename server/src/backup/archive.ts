import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { ApiError } from '../errors.ts';

/** The format of a backup archive; a restore refuses any other. */
export const BACKUP_FORMAT = 'baas-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** One project in an archive. */
export interface ManifestProject {
  id: string;
  name: string;
  createdAt: string;
  /** The last migration applied to its store. */
  migration: number;
  /** How many storage objects were backed up with it. */
  objects: number;
}

/**
 * `manifest.json`, the first entry of every archive: what it holds, from
 * which version and engine, and the size and SHA-256 of every other file, all
 * checked before a restore touches anything.
 */
export interface Manifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  baasVersion: string;
  createdAt: string;
  /** `sqlite`: stores are database files; `postgres`: one JSON-lines file per table, from one snapshot. */
  engine: 'sqlite' | 'postgres';
  /** `instance`: the instance store and every project; `project`: one project. */
  scope: 'instance' | 'project';
  /** The instance store's last migration (scope `instance` only). */
  instanceMigration?: number;
  projects: ManifestProject[];
  files: Array<{ path: string; size: number; sha256: string }>;
}

/** Where a store's files are inside an archive. */
export const archivePaths = {
  instance: 'instance',
  project: (id: string) => `projects/${id}`,
  blobs: (id: string) => `blobs/${id}`,
};

/** The hex SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Every file below `dir` (none when it does not exist). */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/**
 * Writes the staged files of `staging` with their manifest into a gzipped tar
 * at `file`: first a temp file beside it, then a rename, so `file` is either
 * the whole archive or absent. Returns its size.
 */
export async function writeArchive(staging: string, manifest: Omit<Manifest, 'files'>, file: string): Promise<{ size: number; manifest: Manifest }> {
  const files: Manifest['files'] = [];
  for (const path of walk(staging).sort()) {
    files.push({ path: relative(staging, path).split(sep).join('/'), size: statSync(path).size, sha256: await sha256File(path) });
  }
  const full: Manifest = { ...manifest, files };
  writeFileSync(join(staging, 'manifest.json'), JSON.stringify(full, null, 2));
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.partial`;
  try {
    await tar.create({ gzip: true, file: tmp, cwd: staging, portable: true }, ['manifest.json', ...files.map((f) => f.path)]);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { size: statSync(file).size, manifest: full };
}

/** A refused archive: damaged, of another format, or not what the restore asked for. */
function refused(file: string, why: string): ApiError {
  return new ApiError('invalid_backup', `${file} cannot be restored: ${why}; nothing was changed`);
}

/**
 * Extracts `file` into `into` and checks it whole: the manifest's format, and
 * every listed file present with its size and SHA-256, and nothing else.
 * Only plain files and directories are extracted, never outside `into`.
 */
export async function readArchive(file: string, into: string): Promise<Manifest> {
  if (!existsSync(file)) throw new ApiError('backup_not_found', `no backup file ${file}`);
  mkdirSync(into, { recursive: true });
  try {
    await tar.extract({
      file,
      cwd: into,
      strict: true,
      filter: (_path, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
    });
  } catch (err) {
    throw refused(file, `it is not a readable baas backup (${(err as Error).message})`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(into, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw refused(file, 'it has no readable manifest.json');
  }
  if (manifest.format !== BACKUP_FORMAT || !Array.isArray(manifest.files) || !Array.isArray(manifest.projects)) throw refused(file, 'it is not a baas backup');
  if (manifest.formatVersion > BACKUP_FORMAT_VERSION) throw refused(file, `it was made by a newer baas (format ${manifest.formatVersion}, this one reads ${BACKUP_FORMAT_VERSION})`);
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    if (typeof entry.path !== 'string' || entry.path.startsWith('/') || entry.path.split('/').includes('..')) throw refused(file, `its manifest names a path outside the archive (${entry.path})`);
    const path = join(into, entry.path);
    listed.add(entry.path);
    if (!existsSync(path)) throw refused(file, `${entry.path} is missing`);
    if (statSync(path).size !== entry.size || (await sha256File(path)) !== entry.sha256) throw refused(file, `${entry.path} does not match its checksum (the archive is damaged)`);
  }
  for (const path of walk(into)) {
    const name = relative(into, path).split(sep).join('/');
    if (name !== 'manifest.json' && !listed.has(name)) throw refused(file, `${name} is not in its manifest`);
  }
  return manifest;
}
