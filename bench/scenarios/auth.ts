/**
 * Auth: what a user's access token costs per request, and login throughput.
 *
 * - get-as-user: `GET .../records/:id` with a user's Bearer access token
 *   (JWT signature check, session and user lookup, then the view rule
 *   `auth.id != null`) against a guest's get of the same records in a
 *   collection guests may view, on the same server: the price of signing in.
 * - login: `POST .../auth/login` (one scrypt check, N=2^15, plus a session
 *   and a signed token) against this machine's raw rate of that scrypt check
 *   (bench/scrypt-loop.ts: a child running `verifyPassword` in a loop with
 *   as many checks in flight as the login load has connections).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { combine, load, type LoadRequest, type Measurement } from '../lib/wrk.ts';
import { cpuMsOf, repoRoot, serverCpu, startChild, type ChildHandle } from '../lib/processes.ts';
import { cpuNote, cpuRatio } from '../lib/measure.ts';
import { warningsFor } from '../lib/report.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';

interface Ready {
  ids: string[];
  openIds: string[];
  openPrefix: string;
  secret: string;
  prefix: string;
  project: string;
  user: { email: string; password: string };
}

/** One side of a comparison: measures itself for `seconds` after `warmup` seconds. */
interface Side {
  name: string;
  measure(warmup: number, seconds: number, profileFile?: string): Promise<Measurement>;
}

/**
 * In-flight logins: twice libuv's 4 threads, where scrypt runs, saturates
 * them; more connections would only add queueing to the p99.
 */
const LOGIN_CONNECTIONS = 8;
const json = { 'content-type': 'application/json' };

export const authScenario: Scenario = {
  name: 'auth',
  description: 'records get as a user (access token) vs the service role; login throughput vs raw scrypt',
  async run(ctx) {
    const wanted = ['get-as-user', 'login'].filter((op) => ctx.selected('auth', op));
    if (!wanted.length) return [];
    ctx.log('auth: starting baas (seeding records, signing up a user)...');
    const child = await startChild({ name: 'baas-auth', script: 'bench/server-auth.ts' });
    try {
      const ready = child.ready as unknown as Ready;
      if (!Array.isArray(ready.ids) || !ready.ids.length || !ready.secret || !ready.user) throw new Error('baas-auth: incomplete ready message');
      const rows: Row[] = [];
      if (wanted.includes('get-as-user') && !ctx.aborted()) rows.push(await measureGet(ctx, child, ready));
      if (wanted.includes('login') && !ctx.aborted()) rows.push(await measureLogin(ctx, child, ready));
      return rows;
    } finally {
      await child.stop();
    }
  },
};

async function measureGet(ctx: BenchContext, child: ChildHandle, ready: Ready): Promise<Row> {
  const paths = ready.ids.map((id) => `${ready.prefix}/${id}`);
  const getAs = (credential: () => string): LoadRequest => ({ method: 'GET', path: paths, headers: { authorization: `Bearer ${credential()}` } });
  const openPaths = ready.openIds.map((id) => `${ready.openPrefix}/${id}`);
  // A fresh access token per round: they live 15 minutes, a long bench run must not outlive one.
  let accessToken = await logIn(child, ready);
  const user: Side = {
    name: 'user',
    measure: async (warmup, seconds, profileFile) => {
      accessToken = await logIn(child, ready);
      return measureHttp(ctx, child, getAs(() => accessToken), warmup, seconds, profileFile);
    },
  };
  const guest: Side = { name: 'guest', measure: (warmup, seconds) => measureHttp(ctx, child, { method: 'GET', path: openPaths }, warmup, seconds) };

  // Both credentials must read the record before anything is measured; a guest must not.
  for (const [label, headers, status] of [
    ['user', { authorization: `Bearer ${accessToken}` }, 200],
    ['service role', { authorization: `Bearer ${ready.secret}` }, 200],
    ['guest', {}, 404],
  ] as const) {
    const res = await fetch(child.url + paths[0], { headers, signal: AbortSignal.timeout(10_000) });
    if (res.status !== status) throw new Error(`auth: GET as ${label} answered ${res.status}, expected ${status}: ${(await res.text()).slice(0, 300)}`);
  }
  {
    const res = await fetch(child.url + openPaths[0], { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`auth: a guest GET of open_notes answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
  // Both sides run in the one baas child: whichever is measured first would also warm the
  // code the other needs (the first user round came out slow). Warm both, unmeasured, first.
  const warm = Math.max(1, ctx.warmupSeconds) * 2;
  for (const side of [user, guest]) if (!ctx.aborted()) await side.measure(0, warm);
  return compare(ctx, 'get-as-user', user, guest, 0.9, [
    'baseline = the same get of the same records as a guest (open_notes, view rule "")',
    `both sides warmed ${warm} s each before the first round`,
  ]);
}

async function measureLogin(ctx: BenchContext, child: ChildHandle, ready: Ready): Promise<Row> {
  const body = JSON.stringify(ready.user);
  const path = `/v1/projects/${ready.project}/auth/login`;
  const res = await fetch(child.url + path, { method: 'POST', headers: json, body, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`auth: login answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const login: Side = {
    name: 'login',
    measure: (warmup, seconds, profileFile) =>
      measureHttp(ctx, child, { method: 'POST', path, headers: json, bodies: [body] }, warmup, seconds, profileFile, LOGIN_CONNECTIONS),
  };
  const scrypt: Side = { name: 'scrypt', measure: (warmup, seconds) => runScryptLoop(warmup, seconds, LOGIN_CONNECTIONS) };
  return compare(ctx, 'login', login, scrypt, 0.8, [
    `${LOGIN_CONNECTIONS} connections; baseline = raw scrypt checks/s (same parameters, ${LOGIN_CONNECTIONS} in flight) in a child process`,
  ]);
}

/** Alternates subject and baseline round by round (odd rounds baseline first), like the records scenario. */
async function compare(ctx: BenchContext, operation: string, subject: Side, baseline: Side, target: number, notes: string[]): Promise<Row> {
  const rounds: Array<{ subject: Measurement; baseline: Measurement }> = [];
  for (let round = 0; round < ctx.rounds && !ctx.aborted(); round++) {
    const order = round % 2 === 0 ? [subject, baseline] : [baseline, subject];
    const got = new Map<Side, Measurement>();
    for (const side of order) {
      if (ctx.aborted()) break;
      const profileFile = ctx.profileDir && side === subject ? join(ctx.profileDir, `auth-${operation}-r${round + 1}.cpuprofile`) : undefined;
      const m = await side.measure(ctx.warmupSeconds, ctx.seconds, profileFile);
      got.set(side, m);
      ctx.log(`  ${operation.padEnd(11)} round ${round + 1}/${ctx.rounds} ${side.name.padEnd(8)} ${Math.round(m.reqPerSec)} req/s, p99 ${m.p99Ms} ms`);
    }
    const s = got.get(subject);
    const b = got.get(baseline);
    if (s && b) rounds.push({ subject: s, baseline: b });
  }
  if (!rounds.length) throw new Error('interrupted before a full round');
  const s = combine(rounds.map((r) => r.subject));
  const b = combine(rounds.map((r) => r.baseline));
  return {
    scenario: 'auth',
    operation,
    unit: 'req/s',
    subject: s,
    baseline: b,
    ratio: b.reqPerSec > 0 ? s.reqPerSec / b.reqPerSec : undefined,
    target,
    rounds,
    warnings: [...warningsFor(subject.name, s), ...warningsFor(baseline.name, b)],
    cpuRatio: cpuRatio(s, b),
    notes: [`subject = ${subject.name}, baseline = ${baseline.name}`, ...(s.serverCpuMs !== undefined && b.serverCpuMs !== undefined ? [cpuNote(s, b)] : []), ...notes],
  };
}

async function measureHttp(
  ctx: BenchContext,
  child: ChildHandle,
  request: LoadRequest,
  warmup: number,
  seconds: number,
  profileFile?: string,
  connections = ctx.connections,
): Promise<Measurement> {
  const run = (s: number) => load({ url: child.url, connections, seconds: s, request });
  if (warmup > 0) await run(warmup);
  if (profileFile) await child.startProfile();
  const cpuBefore = cpuMsOf(child.pid);
  const m = { ...(await run(seconds)), serverCpuMs: 0 };
  m.serverCpuMs = cpuMsOf(child.pid) - cpuBefore;
  if (profileFile) await child.stopProfile(profileFile);
  return m;
}

/** A user access token of the bench user. */
async function logIn(child: ChildHandle, ready: Ready): Promise<string> {
  const res = await fetch(`${child.url}/v1/projects/${ready.project}/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(ready.user),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`auth: login answered ${res.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { session: { accessToken: string } }).session.accessToken;
}

/** Runs bench/scrypt-loop.ts once and turns its figures into a Measurement. */
function runScryptLoop(warmup: number, seconds: number, concurrency: number): Promise<Measurement> {
  // On the server core, like the login it is the baseline of.
  const child = spawn('taskset', ['-c', serverCpu, process.execPath, '--import', 'tsx', 'bench/scrypt-loop.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_SCRYPT_SECONDS: String(seconds), BENCH_SCRYPT_WARMUP: String(warmup), BENCH_SCRYPT_CONCURRENCY: String(concurrency) },
  });
  // The parent's exit (Ctrl-C) must not leave it running.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return new Promise<Measurement>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('scrypt loop: no result in time')), (warmup + seconds + 60) * 1000);
    function fail(err: Error) {
      clearTimeout(timer);
      process.off('exit', kill);
      child.kill('SIGKILL');
      reject(err);
    }
    child.on('message', (m: { type?: string; message?: string; ops: number; seconds: number; p50Ms: number; p99Ms: number; avgMs: number }) => {
      if (m?.type === 'error') return fail(new Error(`scrypt loop: ${m.message}`));
      if (m?.type !== 'result') return;
      clearTimeout(timer);
      process.off('exit', kill);
      resolve({
        reqPerSec: m.ops / m.seconds,
        p50Ms: round2(m.p50Ms),
        p99Ms: round2(m.p99Ms),
        avgMs: round2(m.avgMs),
        ok: m.ops,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        seconds: m.seconds,
        statusCodes: {},
      });
    });
    child.once('error', fail);
    // 'close' comes after the IPC channel is drained: a result sent before exiting has arrived by then.
    child.once('close', (code) => fail(new Error(`scrypt loop exited (${code}) without a result`)));
  });
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
