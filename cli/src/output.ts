import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BaasError } from '@baas/sdk';
import type { Io } from './io.ts';

/** A failure the CLI explains in one line (and exits non-zero). */
export class CliError extends Error {
  constructor(
    message: string,
    /** The process exit code. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A column of `table`: its header and how a row shows in it. */
export type Column<T> = [header: string, cell: (row: T) => unknown];

/** Rows as an aligned, plain-text table with a header line; `empty` when there are no rows. */
export function table<T>(rows: T[], columns: Array<Column<T>>, empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const cells = [columns.map(([header]) => header), ...rows.map((row) => columns.map(([, cell]) => text(cell(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Label/value pairs, labels aligned: `  admin URL   http://...`. */
export function fields(pairs: Array<[label: string, value: unknown]>): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `  ${label.padEnd(width)}  ${text(value)}`).join('\n') + '\n';
}

/** Writes `value` as JSON for scripts. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/**
 * One line for any failure: `error: project 'x' exists (conflict)`.
 * Field problems of a validation error are appended; a rejected token gets a hint.
 */
export function formatError(err: unknown): string {
  if (isApiFailure(err)) {
    if (err.code === 'network_error') return oneLine(`error: ${err.message}`);
    let line = `error: ${err.message} (${err.code})`;
    const problems = err.details?.fields as Record<string, { message?: string }> | undefined;
    if (problems && typeof problems === 'object') {
      line += ': ' + Object.entries(problems).map(([field, problem]) => `${field}: ${problem?.message ?? 'is invalid'}`).join('; ');
    }
    if (err.code === 'invalid_token') line += '; sign in again with `baas login` or pass --token';
    return oneLine(line);
  }
  // A config names each bad setting on its own line.
  if (err instanceof Error && err.name === 'ConfigError') return `error: ${err.message.split('\n').join('; ')}`;
  if (err instanceof Error) return oneLine(`error: ${err.message}`);
  return oneLine(`error: ${String(err)}`);
}

/** A `BaasError` from the SDK, or the server's own `ApiError` (from init and serve, which call services directly). */
function isApiFailure(err: unknown): err is { code: string; status: number; message: string; details?: Record<string, unknown> } {
  if (err instanceof BaasError) return true;
  const { status, code } = (err ?? {}) as { status?: unknown; code?: unknown };
  return err instanceof Error && typeof status === 'number' && typeof code === 'string' && /^[a-z_]+$/.test(code);
}

/** A step list for long work: `[2/5] opening the instance store`. Silent when `quiet`. */
export function stepper(io: Io, total: number, quiet: boolean): (label: string) => void {
  let n = 0;
  return (label) => {
    n += 1;
    if (!quiet) io.stderr(`[${n}/${total}] ${label}\n`);
  };
}

/** Bytes for people: `512 B`, `3.4 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${n.toFixed(1)} ${units[i]}`;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Writes `text` to `file` through a temporary file and a rename: readers never see half a file. */
export function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
