/**
 * Storage: upload (raw PUT) and download (GET) of one 50 MB object through a
 * baas server (fs driver), against copying the same file on the same disk in
 * the same run (a streamed read + write, the work a server-less copy does).
 * The server child's RSS is sampled from /proc every 10 ms during each
 * transfer: streaming means the peak stays far below the object's size.
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Measurement } from '../lib/wrk.ts';
import { startChild, type ChildHandle } from '../lib/processes.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';

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

/** Runs `work` while sampling the child's RSS; returns seconds taken and the peak RSS seen. */
async function timed(pid: number, work: () => Promise<void>): Promise<{ seconds: number; peakRss?: number }> {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
  }, 10);
  const start = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, peakRss: peak };
}

function upload(child: ChildHandle, file: string, path: string): Promise<void> {
  const url = new URL(child.url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: `${child.ready.prefix}/${path}`,
      headers: {
        authorization: `Bearer ${child.ready.secret}`,
        'content-type': 'application/octet-stream',
        'content-length': statSync(file).size,
        'x-upsert': 'true',
      },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

function download(child: ChildHandle, path: string, target: string): Promise<void> {
  const url = new URL(child.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'GET', path: `${child.ready.prefix}/${path}`, headers: { authorization: `Bearer ${child.ready.secret}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`download: ${res.statusCode}`));
        return;
      }
      pipeline(res, createWriteStream(target)).then(resolve, reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function measurement(bytes: number, secondsEach: number[]): Measurement {
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
    try {
      const source = join(work, 'source.bin');
      await pipeline(
        (async function* () {
          for (let left = bytes; left > 0; left -= MB) yield randomBytes(Math.min(MB, left));
        })(),
        createWriteStream(source),
      );
      const copy = async (target: string) => pipeline(createReadStream(source), createWriteStream(target));
      // Warm-up: page cache and JIT on both sides.
      await copy(join(work, 'warm.bin'));
      await upload(child, source, 'warm.bin');
      await download(child, 'warm.bin', join(work, 'warm-down.bin'));

      const idle = rssOf(child.pid);
      const copies: number[] = [];
      const uploads: number[] = [];
      const downloads: number[] = [];
      let uploadPeak = 0;
      let downloadPeak = 0;
      const rounds: Row['rounds'] = [];
      for (let round = 0; round < ctx.rounds && !ctx.aborted(); round++) {
        const steps = [
          async () => copies.push((await timed(process.pid, () => copy(join(work, `copy-${round}.bin`)))).seconds),
          async () => {
            const up = await timed(child.pid, () => upload(child, source, `object-${round}.bin`));
            uploads.push(up.seconds);
            uploadPeak = Math.max(uploadPeak, up.peakRss ?? 0);
          },
          async () => {
            const down = await timed(child.pid, () => download(child, `object-${round}.bin`, join(work, `down-${round}.bin`)));
            downloads.push(down.seconds);
            downloadPeak = Math.max(downloadPeak, down.peakRss ?? 0);
          },
        ];
        // Odd rounds copy last, so drift (page cache, a busy neighbour) hits both sides.
        if (round % 2 === 1) steps.push(steps.shift()!);
        for (const step of steps) await step();
        rounds.push({ subject: measurement(bytes, [uploads.at(-1)!]), baseline: measurement(bytes, [copies.at(-1)!]) });
        ctx.log(`storage round ${round + 1}: copy ${(bytes / MB / copies.at(-1)!).toFixed(0)} MB/s, upload ${(bytes / MB / uploads.at(-1)!).toFixed(0)} MB/s, download ${(bytes / MB / downloads.at(-1)!).toFixed(0)} MB/s`);
      }
      const baseline = measurement(bytes, copies);
      const memory = `server RSS: idle ${mib(idle)}, peak ${mib(uploadPeak || undefined)} while uploading and ${mib(downloadPeak || undefined)} while downloading a ${mib(bytes)} object`;
      ctx.log(memory);
      const rows: Row[] = [];
      const row = (operation: string, seconds: number[], peak: number, target: number): Row => {
        const subject = measurement(bytes, seconds);
        return {
          scenario: 'storage',
          operation,
          unit: 'MB/s',
          subject,
          baseline,
          ratio: subject.reqPerSec / baseline.reqPerSec,
          target,
          rounds: seconds.map((s, i) => ({ subject: measurement(bytes, [s]), baseline: measurement(bytes, [copies[i]]) })),
          warnings: peak && idle !== undefined && peak - idle > bytes / 2 ? [`server RSS grew by ${mib(peak - idle)}: more than half the object, so something buffers it`] : [],
          notes: [`server RSS idle ${mib(idle)}, peak ${mib(peak || undefined)} while streaming a ${mib(bytes)} object`],
          peakRssBytes: peak || null,
          idleRssBytes: idle ?? null,
        } as Row;
      };
      if (wantUpload) rows.push(row('upload-50MB', uploads, uploadPeak, 0.9));
      if (wantDownload) rows.push(row('download-50MB', downloads, downloadPeak, 0.9));
      return rows;
    } finally {
      await child.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
