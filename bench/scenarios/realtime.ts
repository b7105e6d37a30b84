/**
 * Realtime fan-out: BENCH_RT_SUBSCRIBERS (default 10,000) WebSocket
 * subscribers on one server process, spread over BENCH_RT_CLIENT_PROCESSES
 * (default 4) client processes so the clients are not the bottleneck; every
 * subscriber may see every write. Measures:
 * - fan-out latency: for single writes, the time from the write's HTTP
 *   response to each subscriber's receipt (p50/p99 over all subscribers);
 * - deliveries per second under a stream of writes (counted at the clients,
 *   from the first write to the last delivery);
 * - resident memory per idle subscribed connection (server RSS delta / connections).
 * Targets (issue 4): p99 < 100 ms, >= 100,000 deliveries/s, < 30 KB per connection.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoRoot, startChild } from '../lib/processes.ts';
import type { Measurement } from '../lib/wrk.ts';
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

export const realtimeScenario: Scenario = {
  name: 'realtime',
  description: 'WebSocket fan-out of one write to 10,000 subscribers: latency, deliveries/s, memory per connection',
  async run(ctx: BenchContext): Promise<Row[]> {
    if (!ctx.selected('realtime', 'fanout')) return [];
    const subscribers = Number(process.env.BENCH_RT_SUBSCRIBERS ?? 10_000);
    const processes = Number(process.env.BENCH_RT_CLIENT_PROCESSES ?? 4);
    const server = await startChild({ name: 'baas-realtime', script: 'bench/server-realtime.ts' });
    const clients: ChildProcess[] = [];
    try {
      const wsUrl = `${server.url.replace('http:', 'ws:')}/v1/projects/${server.ready.project}/realtime`;
      const records = `${server.url}/v1/projects/${server.ready.project}/collections/${server.ready.collection}/records`;
      const write = async (title: string) => {
        const res = await fetch(records, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
        if (res.status !== 201) throw new Error(`write: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        return now();
      };
      await write('warm-up');
      await sleep(500);
      const rssBefore = rssOf(server.pid);

      const per = Math.ceil(subscribers / processes);
      ctx.log(`realtime: connecting ${subscribers} subscribers from ${processes} client processes...`);
      await Promise.all(Array.from({ length: processes }, (_, i) => {
        const child = fork('bench/realtime-clients.ts', [], {
          cwd: repoRoot,
          execArgv: ['--import', 'tsx'],
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
      const perConnection = (rssAfter - rssBefore) / subscribers;

      // Latency: one write at a time, every subscriber's receipt.
      const latencies: number[] = [];
      let missing = 0;
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
      latencies.sort((a, b) => a - b);
      const p50 = quantile(latencies, 0.5);
      const p99 = quantile(latencies, 0.99);

      // Throughput: a stream of writes by a few concurrent writers for ctx.seconds.
      const counts = async () => Promise.all(clients.map((c) => ask<{ received: number; lastAt: number }>(c, { type: 'count' })));
      const before = (await counts()).reduce((s, c) => s + c.received, 0);
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
      const seconds = (lastAt - start) / 1000;
      const perSecond = delivered / seconds;

      const notes = [
        `${subscribers} subscribers over ${processes} client processes; ${LATENCY_WRITES} single writes: delivery after the write's response p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 < 100 ms)${missing ? `, ${missing} deliveries missing` : ''}`,
        `stream of ${writes} writes (${WRITERS} writers, ${ctx.seconds} s): ${delivered.toLocaleString('en-US')} of ${(writes * subscribers).toLocaleString('en-US')} deliveries in ${seconds.toFixed(2)} s = ${Math.round(perSecond).toLocaleString('en-US')} deliveries/s (target >= 100,000)`,
        `server RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB with ${subscribers} idle subscribed connections = ${(perConnection / 1024).toFixed(1)} KiB per connection (target < 30 KB)`,
      ];
      for (const note of notes) ctx.log(`realtime: ${note}`);
      const warnings = delivered < writes * subscribers ? [`${writes * subscribers - delivered} deliveries of the stream never arrived`] : [];
      const subject = measurement(perSecond, p50, p99, delivered, seconds);
      return [{ scenario: 'realtime', operation: 'fanout', unit: 'deliveries/s', subject, rounds: [{ subject }], warnings, notes }];
    } finally {
      for (const child of clients) if (child.connected) child.send({ type: 'close' });
      await server.stop();
    }
  },
};
