/**
 * The load generator: `wrk` in its own process, pinned to the load core
 * (`taskset -c $BENCH_LOAD_CPU`, default 1), while every server child sits on
 * the server core (lib/processes.ts). A load generator sharing the servers'
 * cores takes most of their CPU and compresses every ratio, which is why
 * autocannon (in the parent process) was replaced.
 *
 * Each run writes a small Lua script: the requests are formatted once at
 * startup (`wrk.format`) and picked at random per request, so wrk does no
 * per-request work beyond a table lookup. The script's `done` prints the
 * figures as one JSON line, which is all that is parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One load run's outcome, reduced to what the report needs. */
export interface Measurement {
  /** Successful (status < 400) responses per second over the run. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  /** Successful responses. */
  ok: number;
  /** Responses with status >= 400. */
  non2xx: number;
  /** Socket errors (connect, read, write). */
  errors: number;
  timeouts: number;
  seconds: number;
  /** Per-status counts where the source has them (wrk only counts >= 400 as a whole). */
  statusCodes: Record<string, number>;
  /** The server's CPU time over the run (ms), where measured (lib/measure.ts). */
  serverCpuMs?: number;
}

/** The requests of one load run: wrk picks one of them at random for each request. */
export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** One path, or several to pick from (e.g. one per seeded record id). */
  path: string | string[];
  headers?: Record<string, string>;
  /** Bodies to pick from; paired with the paths when both are lists. */
  bodies?: string[];
}

export interface LoadOptions {
  /** Base URL: only http://127.0.0.1:<port> is accepted. */
  url: string;
  connections: number;
  seconds: number;
  request: LoadRequest;
}

/** The core the load generator runs on. */
export const loadCpu = process.env.BENCH_LOAD_CPU ?? '1';

let current: ChildProcess | undefined;

/** Stops the load run in progress, if any (SIGINT). */
export function stopCurrentLoad(): void {
  current?.kill('SIGKILL');
}

/** Loads `url` for `seconds` with `connections` keep-alive connections and returns the figures. */
export async function load(options: LoadOptions): Promise<Measurement> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
    throw new Error(`the bench only targets http://127.0.0.1, not ${options.url}`);
  }
  if (!(options.seconds > 0 && options.seconds <= 600)) throw new Error(`bad duration ${options.seconds}s`);
  const dir = mkdtempSync(join(tmpdir(), 'baas-bench-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, luaScript(options.request));
    const args = ['-c', loadCpu, 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', script, url.origin];
    const out = await run(args, (options.seconds + 30) * 1000);
    const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
    // wrk runs on without the script when it does not parse: no result line means a script error.
    if (!line) throw new Error(`wrk printed no result:\n${out.slice(-2000)}`);
    return toMeasurement(JSON.parse(line.slice('WRK_JSON '.length)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`starting wrk (taskset -c ${loadCpu} wrk): ${e.message}; install it with apt-get install wrk`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (current === child) current = undefined;
      if (code === 0) resolve(out + err);
      else reject(new Error(`wrk exited (${signal ?? code}): ${(err || out).slice(-2000)}`));
    });
  });
}

/** A Lua long string holding `s` verbatim (no escapes to get wrong). */
function luaString(s: string): string {
  let level = '';
  while (s.includes(`]${level}]`)) level += '=';
  // A long string drops a first newline; keep it with a leading escape-free concatenation.
  return s.startsWith('\n') ? `"\\n" .. [${level}[${s}]${level}]` : `[${level}[${s}]${level}]`;
}

function luaScript(request: LoadRequest): string {
  const paths = Array.isArray(request.path) ? request.path : [request.path];
  const bodies = request.bodies ?? [];
  const count = Math.max(paths.length, bodies.length, 1);
  const headers = Object.entries(request.headers ?? {}).map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`);
  return `
local paths = { ${paths.map(luaString).join(',\n')} }
local bodies = { ${bodies.map(luaString).join(',\n')} }
local headers = { ${headers.join(', ')} }
local requests = {}
-- In init, not at load: wrk sets the Host header (which wrk.format copies) just before it.
init = function(args)
  for i = 1, ${count} do
    local body = nil
    if #bodies > 0 then body = bodies[((i - 1) % #bodies) + 1] end
    requests[i] = wrk.format(${luaString(request.method ?? 'GET')}, paths[((i - 1) % #paths) + 1], headers, body)
  end
end

request = function()
  return requests[math.random(${count})]
end

done = function(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.1f}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.mean))
end
`;
}

interface WrkResult {
  requests: number;
  durationUs: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

function toMeasurement(r: WrkResult): Measurement {
  const seconds = r.durationUs > 0 ? r.durationUs / 1e6 : 1;
  const ok = r.requests - r.status;
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    reqPerSec: ok / seconds,
    p50Ms: ms(r.p50Us),
    p99Ms: ms(r.p99Us),
    avgMs: ms(r.meanUs),
    ok,
    non2xx: r.status,
    errors: r.connect + r.read + r.write,
    timeouts: r.timeout,
    seconds,
    statusCodes: {},
  };
}

/** Several rounds of one side as one measurement: total successes over total time; latencies averaged. */
export function combine(rounds: Measurement[]): Measurement {
  if (rounds.length === 1) return rounds[0];
  const sum = (f: (m: Measurement) => number) => rounds.reduce((a, m) => a + f(m), 0);
  const mean = (f: (m: Measurement) => number) => sum(f) / rounds.length;
  const statusCodes: Record<string, number> = {};
  for (const m of rounds) for (const [code, n] of Object.entries(m.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    reqPerSec: sum((m) => m.ok) / sum((m) => m.seconds),
    p50Ms: mean((m) => m.p50Ms),
    p99Ms: mean((m) => m.p99Ms),
    avgMs: mean((m) => m.avgMs),
    ok: sum((m) => m.ok),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    seconds: sum((m) => m.seconds),
    statusCodes,
    serverCpuMs: rounds.every((m) => m.serverCpuMs !== undefined) ? sum((m) => m.serverCpuMs!) : undefined,
  };
}
