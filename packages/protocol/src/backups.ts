/** One backup run (`GET /v1/admin/backups`). */
export interface BackupRun {
  id: string;
  /** The archive's file name in the server's backup directory (a `baas backup` run: its path). */
  file: string;
  scope: 'instance' | 'project';
  project: string | null;
  trigger: 'schedule' | 'api' | 'cli';
  status: 'running' | 'ok' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  /** Bytes of the archive. */
  size: number | null;
  error: string | null;
  /** Whether the archive can still be downloaded (pruned or failed ones cannot). */
  available: boolean;
}

/** The configured backup schedule. */
export interface BackupSchedule {
  cron: string;
  /** When the next scheduled run starts. */
  next: string | null;
  /** How many scheduled archives are kept. */
  keep: number;
  /** The S3 bucket scheduled archives are uploaded to, if any. */
  s3Bucket: string | null;
}
