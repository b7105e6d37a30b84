import { existsSync, rmSync, statSync, createReadStream } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BackupRun, BackupSchedule } from '@baas/protocol';
import { Cron } from 'croner';
import { sql } from 'drizzle-orm';
import { createBackup } from '../backup/backup.ts';
import type { Progress } from '../backup/progress.ts';
import { restoreProject } from '../backup/restore.ts';
import type { Config } from '../config.ts';
import { asUniqueViolation, type Database } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { s3ClientOf } from '../storage/s3.ts';
import type { Services } from './index.ts';

export type { BackupRun };

interface Row {
  id: string;
  file: string;
  scope: string;
  project: string | null;
  trigger: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  size: number | string | null;
  error: string | null;
}

/** What a run is asked for. */
interface RunOptions {
  project?: string;
  trigger: BackupRun['trigger'];
  /** Where to write the archive (default: a new name in backupDir). */
  file?: string;
  onProgress?: Progress;
}

/** A run still 'running' after this long was cut short (its process stopped). */
const STALE_MS = 6 * 3600 * 1000;

/**
 * Backups of the instance: runs (one at a time per process), their history in
 * the instance store, the archives in `backupDir`, restores of one project,
 * and the pruning and S3 upload of scheduled runs.
 */
export class BackupsService {
  private running: Promise<unknown> | undefined;

  constructor(private readonly services: Services) {}

  private get db(): Database {
    return this.services.instance;
  }

  private get config(): Config {
    return this.services.config;
  }

  /** The configured schedule and its next run, or null when none is configured. */
  schedule(): BackupSchedule | null {
    const { backupSchedule, backupKeep, backupS3Bucket } = this.config;
    if (!backupSchedule) return null;
    return { cron: backupSchedule, next: new Cron(backupSchedule, { paused: true }).nextRun()?.toISOString() ?? null, keep: backupKeep, s3Bucket: backupS3Bucket ?? null };
  }

  /** Every run, newest first. */
  async list(): Promise<BackupRun[]> {
    const rows = await this.db.all<Row>(sql`SELECT * FROM ${this.db.table('backups')} ORDER BY started_at DESC, id DESC`);
    return rows.map((r) => this.toRun(r));
  }

  /** When the newest successful run finished (ms since the epoch), for the metrics. */
  async lastSuccess(): Promise<number | undefined> {
    const row = await this.db.get<{ at: string | null }>(sql`SELECT MAX(finished_at) AS at FROM ${this.db.table('backups')} WHERE status = 'ok'`);
    return row?.at ? Date.parse(row.at) : undefined;
  }

  async get(id: string): Promise<BackupRun> {
    const row = await this.db.get<Row>(sql`SELECT * FROM ${this.db.table('backups')} WHERE id = ${id}`);
    if (!row) throw new ApiError('backup_not_found', `no backup '${id}'`);
    return this.toRun(row);
  }

  /**
   * Takes a backup now and records the run. `file` defaults to a new name in
   * backupDir. A failure is recorded too, then thrown.
   */
  async run(options: RunOptions): Promise<BackupRun> {
    try {
      return (await this.exclusive(options))!;
    } catch (err) {
      // A refusal because another backup runs is not a failed backup.
      if (!(err instanceof ApiError && err.code === 'conflict')) this.services.metrics.backupFailures.inc({ trigger: options.trigger });
      throw err;
    }
  }

  /**
   * The run of the schedule for `slot` (its planned time), claimed first in
   * the history so that one process of several runs it (undefined when another
   * did); then uploaded to the S3 target if one is set, and older scheduled
   * archives pruned to `backupKeep`.
   */
  async runScheduled(slot: Date): Promise<BackupRun | undefined> {
    let run: BackupRun | undefined;
    try {
      run = await this.exclusive({ trigger: 'schedule', claim: `schedule-${slot.toISOString()}` });
      if (!run) return undefined;
      if (this.config.backupS3Bucket) await this.upload(run);
      await this.prune();
    } catch (err) {
      // Any failure of a slot counts: the archive, the upload, pruning, or a manual backup still running.
      this.services.metrics.backupFailures.inc({ trigger: 'schedule' });
      throw err;
    }
    return run;
  }

  private async exclusive(options: RunOptions & { claim?: string }): Promise<BackupRun | undefined> {
    if (this.running) throw new ApiError('conflict', 'a backup is running already: try again when it is done');
    const work = this.record(options);
    this.running = work;
    try {
      return await work;
    } finally {
      this.running = undefined;
    }
  }

  private async record(options: RunOptions & { claim?: string }): Promise<BackupRun | undefined> {
    const startedAt = nowIso();
    const stamp = startedAt.replace(/[-:]/g, '').replace(/\.\d+/, '');
    const file = options.file ? resolve(options.file) : join(this.config.backupDir, `baas-${options.project ?? 'instance'}-${stamp}.tar.gz`);
    const row: Row = {
      id: options.claim ?? newId(),
      file: options.file ? file : basename(file),
      scope: options.project ? 'project' : 'instance',
      project: options.project ?? null,
      trigger: options.trigger,
      status: 'running',
      started_at: startedAt,
      finished_at: null,
      size: null,
      error: null,
    };
    const table = this.db.table('backups');
    try {
      await this.db.run(sql`INSERT INTO ${table} (id, file, scope, project, trigger, status, started_at)
        VALUES (${row.id}, ${row.file}, ${row.scope}, ${row.project}, ${row.trigger}, 'running', ${startedAt})`);
    } catch (err) {
      if (options.claim && asUniqueViolation(err)) return undefined;
      throw err;
    }
    this.services.metrics.backupRuns.inc({ trigger: row.trigger });
    let failure: unknown;
    try {
      row.size = (await createBackup(this.services, { file, project: options.project, onProgress: options.onProgress })).size;
      row.status = 'ok';
    } catch (err) {
      failure = err;
      [row.status, row.error] = ['failed', (err as Error).message];
    }
    row.finished_at = nowIso();
    await this.db.run(sql`UPDATE ${table} SET status = ${row.status}, size = ${row.size}, error = ${row.error}, finished_at = ${row.finished_at} WHERE id = ${row.id}`);
    if (failure) throw failure;
    return this.toRun(row);
  }

  /** The archive of a run, to download. */
  async open(id: string): Promise<{ run: BackupRun; stream: Readable; size: number }> {
    const { run, path } = await this.archive(id);
    return { run, stream: createReadStream(path), size: statSync(path).size };
  }

  /** Restores one project of a run's archive, under its id or `as` (which must be free). */
  async restore(id: string, options: { project?: string; as?: string }) {
    const { path } = await this.archive(id);
    return restoreProject(this.services, { file: path, project: options.project, as: options.as });
  }

  /** A run with an archive on disk, or 404. */
  private async archive(id: string): Promise<{ run: BackupRun; path: string }> {
    const run = await this.get(id);
    const path = this.pathOf(run);
    if (run.status !== 'ok' || !existsSync(path)) throw new ApiError('backup_not_found', `the archive of backup '${id}' is not on disk (failed or pruned)`);
    return { run, path };
  }

  /** Deletes a run's archive and its history entry. */
  async delete(id: string): Promise<void> {
    const run = await this.get(id);
    rmSync(this.pathOf(run), { force: true });
    await this.db.run(sql`DELETE FROM ${this.db.table('backups')} WHERE id = ${id}`);
  }

  /** Marks runs left 'running' by a stopped process as failed. */
  async markInterrupted(): Promise<void> {
    const before = new Date(Date.now() - STALE_MS).toISOString();
    await this.db.run(sql`UPDATE ${this.db.table('backups')} SET status = 'failed', error = 'interrupted (the process stopped)', finished_at = ${nowIso()}
      WHERE status = 'running' AND started_at < ${before}`);
  }

  private pathOf(run: Pick<BackupRun, 'file'>): string {
    return resolve(this.config.backupDir, run.file);
  }

  private toRun(r: Row): BackupRun {
    const run = {
      id: r.id,
      file: r.file,
      scope: r.scope as BackupRun['scope'],
      project: r.project,
      trigger: r.trigger as BackupRun['trigger'],
      status: r.status as BackupRun['status'],
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      size: r.size === null ? null : Number(r.size),
      error: r.error,
    };
    return { ...run, available: run.status === 'ok' && existsSync(this.pathOf(run)) };
  }

  private s3() {
    return s3ClientOf(this.config);
  }

  private async upload(run: BackupRun): Promise<void> {
    const client = this.s3();
    try {
      await new Upload({ client, params: { Bucket: this.config.backupS3Bucket, Key: this.config.backupS3Prefix + run.file, Body: createReadStream(this.pathOf(run)) } }).done();
    } finally {
      client.destroy();
    }
  }

  /** Keeps the newest `backupKeep` successful scheduled archives; deletes the older ones (on disk and in the S3 target). */
  private async prune(): Promise<void> {
    const scheduled = (await this.list()).filter((r) => r.trigger === 'schedule' && r.status === 'ok' && r.available);
    const old = scheduled.slice(this.config.backupKeep);
    if (old.length === 0) return;
    const client = this.config.backupS3Bucket ? this.s3() : undefined;
    try {
      for (const run of old) {
        rmSync(this.pathOf(run), { force: true });
        await client?.send(new DeleteObjectCommand({ Bucket: this.config.backupS3Bucket, Key: this.config.backupS3Prefix + run.file }));
      }
    } finally {
      client?.destroy();
    }
  }
}
