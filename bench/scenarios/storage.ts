/**
 * Storage: upload (raw PUT) and download (GET) of one 50 MB object through a
 * baas server (fs driver), against copying the same file on the same disk in
 * the same run (a streamed read + write, the work a server-less copy does).
 * As everywhere in the bench, the baseline does its work on the server core
 * and the client on the load core: the copy runs in a transfer process pinned
 * to the server core, the client of the PUT/GET in one pinned to the load
 * core (bench/storage-transfers.ts), so neither side borrows the other core.
 * The server child's RSS is sampled from /proc every 10 ms during each
 * transfer: streaming means the peak stays far below the object's size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Measurement } from '../lib/wrk.ts';
import { loadCpu } from '../lib/wrk.ts';
import { cpuMsOf, repoRoot, serverCpu, startChild } from '../lib/processes.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';
import { cpuRatio } from '../lib/measure.ts';
import type { TransferReply, TransferRequest } from '../storage-transfers.ts';

const MB = 1024 * 1024;

function objectBytes(): number {
  const n = Number(process.env.BENCH_STORAGE_MB ?? 50);
  if (!Number.isFinite(n) || n < 1 || n > 100) throw new Error(`BENCH_STORAGE_MB must be in 1..100, got '${process.env.BENCH_STORAGE_MB}'`);
  return Math.round(n * MB);
}

/** Resident set size of a process in bytes (Linux /proc), or undefined elsewhere. */
function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

type Transfer = TransferRequest extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

/** A transfer process (bench/storage-transfers.ts) pinned to `cpu`. */
interface Transfers {
  /** taskset execs node in place: this is node's pid. */
  pid: number;
  /** Seconds the transfer took, timed in the transfer process. */
  run(request: Transfer): Promise<number>;
  stop(): void;
}

async function startTransfers(cpu: string): Promise<Transfers> {
  const child: ChildProcess = spawn('taskset', ['-c', cpu, process.execPath, '--import', 'tsx', 'bench/storage-transfers.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`storage transfer process exited (${code}) before it was ready`)));
  });
  let next = 0;
  return {
    pid: child.pid!,
    run: (request) => new Promise((resolve, reject) => {
      const id = ++next;
      const onMessage = (m: TransferReply) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        if ('error' in m) reject(new Error(m.error));
        else resolve(m.seconds);
      };
      child.on('message', onMessage);
      child.send({ ...request, id });
    }),
    stop: () => void child.kill('SIGTERM'),
  };
}

/**
 * Runs one transfer while sampling `pid`'s RSS; its seconds (timed in the
 * transfer process), the CPU time of the side's server (`pid`, or the copy's
 * own process) and the peak RSS seen.
 */
async function timed(pid: number, work: () => Promise<number>): Promise<{ seconds: number; cpuMs: number; peakRss?: number }> {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
  }, 10);
  const cpuBefore = cpuMsOf(pid);
  try {
    const seconds = await work();
    return { seconds, cpuMs: cpuMsOf(pid) - cpuBefore, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

function measurement(bytes: number, secondsEach: number[], cpuMsEach: number[]): Measurement {
  const seconds = secondsEach.reduce((a, b) => a + b, 0);
  const sorted = [...secondsEach].sort((a, b) => a - b);
  const ms = (s: number) => s * 1000;
  return {
    reqPerSec: (bytes * secondsEach.length) / MB / seconds,
    p50Ms: ms(sorted[Math.floor((sorted.length - 1) / 2)]),
    p99Ms: ms(sorted[sorted.length - 1]),
    avgMs: ms(seconds / secondsEach.length),
    ok: secondsEach.length,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    seconds,
    statusCodes: { 200: secondsEach.length },
    serverCpuMs: cpuMsEach.reduce((a, b) => a + b, 0),
  };
}

const mib = (n: number | undefined) => (n === undefined ? 'n/a' : `${(n / MB).toFixed(1)} MiB`);

export const storageScenario: Scenario = {
  name: 'storage',
  description: 'upload and download of a 50 MB object through the server vs a streamed file copy on the same disk; server peak RSS',
  async run(ctx: BenchContext): Promise<Row[]> {
    const wantUpload = ctx.selected('storage', 'upload');
    const wantDownload = ctx.selected('storage', 'download');
    if (!wantUpload && !wantDownload) return [];
    const bytes = objectBytes();
    // The same disk for everything: the source file, the copies, the downloads and the server's data dir.
    const work = mkdtempSync(join(tmpdir(), 'baas-bench-files-'));
    const child = await startChild({ name: 'baas-storage', script: 'bench/server-storage.ts', env: { BENCH_STORAGE_DIR: work } });
    const copier = await startTransfers(serverCpu);
    const client = await startTransfers(loadCpu);
    try {
      const source = join(work, 'source.bin');
      await pipeline(
        (async function* () {
          for (let left = bytes; left > 0; left -= MB) yield randomBytes(Math.min(MB, left));
        })(),
        createWriteStream(source),
      );
      const at = (path: string) => ({ url: child.url, path: `${child.ready.prefix}/${path}`, secret: String(child.ready.secret) });
      const copy = (target: string) => copier.run({ op: 'copy', source, target: join(work, target) });
      const upload = (path: string) => client.run({ op: 'upload', ...at(path), file: source });
      const download = (path: string, target: string) => client.run({ op: 'download', ...at(path), target: join(work, target) });
      // Warm-up: page cache and JIT on both sides.
      await copy('warm.bin');
      await upload('warm.bin');
      await download('warm.bin', 'warm-down.bin');

      const idle = rssOf(child.pid);
      const copies: Array<{ seconds: number; cpuMs: number }> = [];
      const uploads: Array<{ seconds: number; cpuMs: number }> = [];
      const downloads: Array<{ seconds: number; cpuMs: number }> = [];
      let uploadPeak = 0;
      let downloadPeak = 0;
      for (let round = 0; round < ctx.rounds && !ctx.aborted(); round++) {
        const steps = [
          async () => copies.push(await timed(copier.pid, () => copy(`copy-${round}.bin`))),
          async () => {
            const up = await timed(child.pid, () => upload(`object-${round}.bin`));
            uploads.push(up);
            uploadPeak = Math.max(uploadPeak, up.peakRss ?? 0);
          },
          async () => {
            const down = await timed(child.pid, () => download(`object-${round}.bin`, `down-${round}.bin`));
            downloads.push(down);
            downloadPeak = Math.max(downloadPeak, down.peakRss ?? 0);
          },
        ];
        // Odd rounds copy last, so drift (page cache, a busy neighbour) hits both sides.
        if (round % 2 === 1) steps.push(steps.shift()!);
        for (const step of steps) await step();
        // Each round's files go, so the disk (and its page cache) holds the same amount in every round.
        for (const name of [`copy-${round}.bin`, `down-${round}.bin`]) rmSync(join(work, name), { force: true });
        ctx.log(`storage round ${round + 1}: copy ${(bytes / MB / copies.at(-1)!.seconds).toFixed(0)} MB/s, upload ${(bytes / MB / uploads.at(-1)!.seconds).toFixed(0)} MB/s, download ${(bytes / MB / downloads.at(-1)!.seconds).toFixed(0)} MB/s`);
      }
      const of = (runs: Array<{ seconds: number; cpuMs: number }>) => measurement(bytes, runs.map((r) => r.seconds), runs.map((r) => r.cpuMs));
      const baseline = of(copies);
      const memory = `server RSS: idle ${mib(idle)}, peak ${mib(uploadPeak || undefined)} while uploading and ${mib(downloadPeak || undefined)} while downloading a ${mib(bytes)} object`;
      ctx.log(memory);
      const rows: Row[] = [];
      const row = (operation: string, runs: Array<{ seconds: number; cpuMs: number }>, peak: number, target: number): Row => {
        const subject = of(runs);
        return {
          scenario: 'storage',
          operation,
          unit: 'MB/s',
          subject,
          baseline,
          ratio: subject.reqPerSec / baseline.reqPerSec,
          cpuRatio: cpuRatio(subject, baseline),
          target,
          rounds: runs.map((r, i) => ({ subject: of([r]), baseline: of([copies[i]]) })),
          warnings: peak && idle !== undefined && peak - idle > bytes / 2 ? [`server RSS grew by ${mib(peak - idle)}: more than half the object, so something buffers it`] : [],
          notes: [
            `server RSS idle ${mib(idle)}, peak ${mib(peak || undefined)} while streaming a ${mib(bytes)} object`,
            `CPU per transfer: baas server ${(subject.serverCpuMs! / runs.length).toFixed(0)} ms, the copy ${(baseline.serverCpuMs! / copies.length).toFixed(0)} ms (copy on core ${serverCpu} like the server, client on core ${loadCpu})`,
          ],
          peakRssBytes: peak || null,
          idleRssBytes: idle ?? null,
        } as Row;
      };
      if (wantUpload) rows.push(row('upload-50MB', uploads, uploadPeak, 0.9));
      if (wantDownload) rows.push(row('download-50MB', downloads, downloadPeak, 0.9));
      return rows;
    } finally {
      copier.stop();
      client.stop();
      await child.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
