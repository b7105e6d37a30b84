/**
 * Realtime fan-out: BENCH_RT_SUBSCRIBERS (default 10,000) WebSocket
 * subscribers, spread over BENCH_RT_CLIENT_PROCESSES (default 4) client
 * processes pinned to the load core (the server is on the server core, so the
 * latency measures the server, not the clients), every subscriber seeing
 * every write; against a bare `ws` server (server-ws-baseline.ts) sending the
 * same frames to the same number of sockets, in the same run, sides
 * alternating round by round. Per side:
 * - single writes, one at a time: the time from the write's HTTP response to
 *   each subscriber's receipt (p50/p99 over all receipts), and the server's
 *   CPU time (/proc/<pid>/stat) per delivery: the row's ratio is deliveries
 *   per server CPU second, baas / ws. One write fans out to one frame per
 *   socket, so neither side can coalesce frames: it is what one delivery costs.
 *   The client processes' CPU per write is printed beside the server's: the
 *   clients share one core, and when they need more than the server the p99
 *   is theirs;
 * - a stream of writes: server CPU per delivery and wall-clock deliveries/s
 *   (notes only: baas writes the frames a socket got in one event-loop turn
 *   as one writev, the bare baseline each frame on its own, so this figure
 *   moves with the write rate, which the machine's other load sets);
 * - resident memory per idle subscribed connection (server RSS delta / connections).
 * Targets (issue 18): deliveries per CPU second >= 0.8 of the baseline, p99 < 50 ms, < 10 KB per connection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMsOf, repoRoot, startChild, type ChildHandle } from '../lib/processes.ts';
import { combine, loadCpu, type Measurement } from '../lib/wrk.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';

const LATENCY_WRITES = 20;
const WRITERS = 16;
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/** Sends a command to a client child and waits for its answer of the same type. */
function ask<T>(child: ChildProcess, message: { type: string; [k: string]: unknown }): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m?.type !== message.type) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

function measurement(perSec: number, p50: number, p99: number, ok: number, seconds: number): Measurement {
  return { reqPerSec: perSec, p50Ms: p50, p99Ms: p99, avgMs: NaN, ok, non2xx: 0, errors: 0, timeouts: 0, seconds, statusCodes: {} };
}

/** What one side's round gave. */
interface Figures {
  /**
   * The fan-out of single writes (one write, every subscriber one frame: neither side can
   * coalesce frames): reqPerSec is deliveries per second of server CPU (ok = deliveries,
   * seconds = server CPU seconds); p50/p99 from the write's response to each receipt.
   */
  m: Measurement;
  /** The same, per delivery, in µs of server CPU. */
  cpuUsPerDelivery: number;
  /** CPU ms per single write's fan-out: the server's, and the client processes' (all on the load core). */
  serverMsPerWrite: number;
  clientsMsPerWrite: number;
  /** Under the stream of writes: server CPU µs per delivery, and deliveries per second of wall-clock time. */
  streamCpuUsPerDelivery: number;
  wallPerSecond: number;
  bytesPerConnection: number;
  missing: number;
  undelivered: number;
  writes: number;
}

interface RtSide {
  name: 'baas' | 'ws';
  child: ChildHandle;
}

/** Connects the subscribers to one side, measures it, and disconnects them. */
async function measureSide(ctx: BenchContext, side: RtSide, subscribers: number, processes: number, round: number): Promise<Figures> {
  const { child: server } = side;
  // BENCH_PROFILE: the server child profiles itself over each measured phase (single writes, the stream), and nothing else.
  const profiled = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    if (!ctx.profileDir) return work();
    await server.startProfile();
    try {
      return await work();
    } finally {
      await server.stopProfile(join(ctx.profileDir, `realtime-fanout-${phase}-r${round + 1}-${side.name}.cpuprofile`));
    }
  };
  const ready = server.ready as unknown as { project: string; collection: string };
  const clients: ChildProcess[] = [];
  try {
    const wsUrl = `${server.url.replace('http:', 'ws:')}/v1/projects/${ready.project}/realtime`;
    const records = `${server.url}/v1/projects/${ready.project}/collections/${ready.collection}/records`;
    const write = async (title: string) => {
      const res = await fetch(records, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
      if (res.status !== 201) throw new Error(`${side.name}: write: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return now();
    };
    await write('warm-up');
    await sleep(500);
    const rssBefore = rssOf(server.pid);

    const per = Math.ceil(subscribers / processes);
    ctx.log(`realtime: connecting ${subscribers} subscribers to ${side.name} from ${processes} client processes (core ${loadCpu})...`);
    await Promise.all(Array.from({ length: processes }, (_, i) => {
      // On the load core, away from the server: the latency must be the server's.
      const child = spawn('taskset', ['-c', loadCpu, process.execPath, '--import', 'tsx', 'bench/realtime-clients.ts'], {
        cwd: repoRoot,
        env: { ...process.env, BENCH_RT_URL: wsUrl, BENCH_RT_CLIENTS: String(Math.min(per, subscribers - i * per)) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      clients.push(child);
      return new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`realtime client exited (${code}) before it was ready`)));
      });
    }));
    await sleep(2000);
    const rssAfter = rssOf(server.pid);

    // Latency: one write at a time, every subscriber's receipt.
    const latencies: number[] = [];
    let missing = 0;
    const clientsCpuMs = () => clients.reduce((sum, c) => sum + cpuMsOf(c.pid!), 0);
    const singleCpuBefore = { server: cpuMsOf(server.pid), clients: clientsCpuMs() };
    await profiled('single', async () => {
      for (let i = 0; i < LATENCY_WRITES && !ctx.aborted(); i++) {
        const marker = `m-${i}-${Math.random().toString(36).slice(2)}`;
        const answers = clients.map((c) => ask<{ times: number[] }>(c, { type: 'marker', marker }));
        await sleep(50); // the markers reach the clients before the write
        const respondedAt = await write(marker);
        let got = 0;
        for (const { times } of await Promise.all(answers)) {
          for (const t of times) latencies.push(t - respondedAt);
          got += times.length;
        }
        missing += subscribers - got;
      }
    });
    const singleCpuMs = { server: cpuMsOf(server.pid) - singleCpuBefore.server, clients: clientsCpuMs() - singleCpuBefore.clients };
    const singleDelivered = latencies.length;
    latencies.sort((a, b) => a - b);

    // Throughput: a stream of writes by a few concurrent writers for ctx.seconds.
    const counts = async () => Promise.all(clients.map((c) => ask<{ received: number; lastAt: number }>(c, { type: 'count' })));
    const before = (await counts()).reduce((s, c) => s + c.received, 0);
    const { delivered, lastAt, cpuMs, start, writes } = await profiled('stream', async () => {
      const cpuBefore = cpuMsOf(server.pid);
      const start = now();
      let writes = 0;
      const until = start + ctx.seconds * 1000;
      await Promise.all(Array.from({ length: WRITERS }, async () => {
        while (now() < until && !ctx.aborted()) {
          await write('stream');
          writes++;
        }
      }));
      // Wait for the fan-out to finish (or stall).
      let delivered = 0;
      let lastAt = start;
      for (let stable = 0, previous = -1; stable < 3; ) {
        await sleep(250);
        const c = await counts();
        delivered = c.reduce((s, x) => s + x.received, 0) - before;
        lastAt = Math.max(...c.map((x) => x.lastAt));
        stable = delivered === previous ? stable + 1 : 0;
        previous = delivered;
        if (delivered >= writes * subscribers) break;
      }
      return { delivered, lastAt, cpuMs: cpuMsOf(server.pid) - cpuBefore, start, writes };
    });
    const seconds = (lastAt - start) / 1000;
    const figures: Figures = {
      // Per CPU second, not per wall second: the machine's other load sets the wall-clock rate;
      // the server's CPU time per delivery is what the server itself costs.
      m: measurement(singleDelivered / (singleCpuMs.server / 1000), quantile(latencies, 0.5), quantile(latencies, 0.99), singleDelivered, singleCpuMs.server / 1000),
      cpuUsPerDelivery: singleDelivered ? (singleCpuMs.server * 1000) / singleDelivered : NaN,
      serverMsPerWrite: singleCpuMs.server / LATENCY_WRITES,
      clientsMsPerWrite: singleCpuMs.clients / LATENCY_WRITES,
      streamCpuUsPerDelivery: delivered ? (cpuMs * 1000) / delivered : NaN,
      wallPerSecond: delivered / seconds,
      bytesPerConnection: (rssAfter - rssBefore) / subscribers,
      missing,
      undelivered: writes * subscribers - delivered,
      writes,
    };
    ctx.log(
      `  fanout ${side.name.padEnd(4)} single writes: p50 ${figures.m.p50Ms.toFixed(1)} ms, p99 ${figures.m.p99Ms.toFixed(1)} ms, ${figures.cpuUsPerDelivery.toFixed(2)} µs CPU/delivery, ` +
        `CPU per write's fan-out: server ${figures.serverMsPerWrite.toFixed(1)} ms, clients ${figures.clientsMsPerWrite.toFixed(1)} ms; ` +
        `stream: ${Math.round(figures.wallPerSecond)} deliveries/s (${writes} writes), ${figures.streamCpuUsPerDelivery.toFixed(2)} µs CPU/delivery; ` +
        `${(figures.bytesPerConnection / 1024).toFixed(1)} KiB/connection`,
    );
    return figures;
  } finally {
    for (const child of clients) if (child.connected) child.send({ type: 'close' });
    await Promise.all(clients.map((c) => (c.exitCode !== null ? undefined : new Promise((resolve) => c.once('exit', resolve)))));
  }
}

export const realtimeScenario: Scenario = {
  name: 'realtime',
  description: 'WebSocket fan-out of writes to 10,000 subscribers vs a bare ws broadcast: deliveries/s, CPU per delivery, latency, memory',
  async run(ctx: BenchContext): Promise<Row[]> {
    if (!ctx.selected('realtime', 'fanout')) return [];
    const subscribers = Number(process.env.BENCH_RT_SUBSCRIBERS ?? 10_000);
    const processes = Number(process.env.BENCH_RT_CLIENT_PROCESSES ?? 4);
    const sides: RtSide[] = [];
    try {
      sides.push({ name: 'baas', child: await startChild({ name: 'baas-realtime', script: 'bench/server-realtime.ts' }) });
      sides.push({ name: 'ws', child: await startChild({ name: 'ws-baseline', script: 'bench/server-ws-baseline.ts' }) });
      const [baas, ws] = sides;
      const rounds: Array<{ subject: Figures; baseline: Figures }> = [];
      for (let round = 0; round < ctx.rounds && !ctx.aborted(); round++) {
        const got = new Map<RtSide, Figures>();
        for (const side of round % 2 === 0 ? [baas, ws] : [ws, baas]) {
          if (!ctx.aborted()) got.set(side, await measureSide(ctx, side, subscribers, processes, round));
        }
        if (got.size === 2) rounds.push({ subject: got.get(baas)!, baseline: got.get(ws)! });
      }
      if (!rounds.length) throw new Error('interrupted before a full round');
      const subject = combine(rounds.map((r) => r.subject.m));
      const baseline = combine(rounds.map((r) => r.baseline.m));
      const mean = (f: (x: Figures) => number, which: 'subject' | 'baseline') => rounds.reduce((a, r) => a + f(r[which]), 0) / rounds.length;
      const sum = (f: (x: Figures) => number, which: 'subject' | 'baseline') => rounds.reduce((a, r) => a + f(r[which]), 0);
      const cpu = { baas: mean((x) => x.cpuUsPerDelivery, 'subject'), ws: mean((x) => x.cpuUsPerDelivery, 'baseline') };
      const stream = { baas: mean((x) => x.streamCpuUsPerDelivery, 'subject'), ws: mean((x) => x.streamCpuUsPerDelivery, 'baseline') };
      const kib = { baas: mean((x) => x.bytesPerConnection, 'subject') / 1024, ws: mean((x) => x.bytesPerConnection, 'baseline') / 1024 };
      const perWrite = (which: 'subject' | 'baseline') =>
        `server ${mean((x) => x.serverMsPerWrite, which).toFixed(1)} ms, clients ${mean((x) => x.clientsMsPerWrite, which).toFixed(1)} ms`;
      const notes = [
        `${subscribers} subscribers over ${processes} client processes on core ${loadCpu}; ${LATENCY_WRITES} single writes, then ${WRITERS} writers for ${ctx.seconds} s, per round; ${rounds.length} round(s) per side`,
        `write response -> delivery, ${LATENCY_WRITES} single writes x ${subscribers} subscribers: baas p50 ${subject.p50Ms.toFixed(1)} ms, p99 ${subject.p99Ms.toFixed(1)} ms; ws p50 ${baseline.p50Ms.toFixed(1)} ms, p99 ${baseline.p99Ms.toFixed(1)} ms (target: baas p99 < 50 ms)`,
        `CPU per single write's fan-out: baas ${perWrite('subject')}; ws ${perWrite('baseline')} (the clients share one core: when theirs exceeds the server's, the p99 measures the clients)`,
        `server CPU per delivery of a single write (the row's ratio: deliveries per CPU second, baas / ws): baas ${cpu.baas.toFixed(2)} µs, ws ${cpu.ws.toFixed(2)} µs`,
        `server CPU per delivery under the stream: baas ${stream.baas.toFixed(2)} µs, ws ${stream.ws.toFixed(2)} µs (baas writes the frames a socket got in one turn as one writev; the bare baseline writes each frame on its own)`,
        `wall-clock deliveries/s under the stream: baas ${Math.round(mean((x) => x.wallPerSecond, 'subject'))}, ws ${Math.round(mean((x) => x.wallPerSecond, 'baseline'))}`,
        `memory per idle subscribed connection (RSS delta / connections): baas ${kib.baas.toFixed(1)} KiB, ws ${kib.ws.toFixed(1)} KiB (target: baas < 10 KB)`,
      ];
      const warnings: string[] = [];
      for (const [which, label] of [['subject', 'baas'], ['baseline', 'ws']] as const) {
        const missing = sum((x) => x.missing, which);
        const undelivered = sum((x) => x.undelivered, which);
        if (missing) warnings.push(`${label}: ${missing} deliveries of the single writes never arrived`);
        if (undelivered) warnings.push(`${label}: ${undelivered} deliveries of the stream never arrived`);
      }
      return [{
        scenario: 'realtime',
        operation: 'fanout',
        unit: 'deliveries/CPU-s',
        subject,
        baseline,
        ratio: baseline.reqPerSec > 0 ? subject.reqPerSec / baseline.reqPerSec : undefined,
        target: 0.8,
        rounds: rounds.map((r) => ({ subject: r.subject.m, baseline: r.baseline.m })),
        warnings,
        notes,
      }];
    } finally {
      await Promise.all(sides.map((s) => s.child.stop()));
    }
  },
};
