/**
 * Scale-out: read (get by id) and write (create) throughput of 1, 2 and 3
 * baas processes on one PostgreSQL database, in the same run. The load is
 * split evenly: one wrk per process, `connections / n` connections each, run
 * at the same time; a row's figure is their sum, its ratio the n-process sum
 * over the 1-process one. All server processes sit on the server core
 * (BENCH_SERVER_CPU), PostgreSQL wherever the OS puts it, wrk on the load
 * core — so on a 2-core machine the ratios show what N processes cost on the
 * same CPU (the bus, the version checks, more connections), not what more
 * machines would add. Give the servers more cores (BENCH_SERVER_CPU=0-3) on
 * a bigger machine to see them scale.
 */
import { startChild, type ChildHandle } from '../lib/processes.ts';
import { createBenchDatabase } from '../lib/pg-database.ts';
import { load, type LoadRequest, type Measurement } from '../lib/wrk.ts';
import { makeItem, prng, authorOf } from '../lib/data.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';

const bodies = (() => {
  const random = prng(11);
  return Array.from({ length: 1000 }, (_, i) => JSON.stringify({ ...makeItem(random, 2_000_000 + i), author: authorOf(i) }));
})();

/** Several simultaneous runs as one: successes and time add up, the worst p99 stands. */
function sum(parts: Measurement[]): Measurement {
  const total = (pick: (m: Measurement) => number) => parts.reduce((s, m) => s + pick(m), 0);
  const cpu = parts.every((m) => m.serverCpuMs !== undefined) ? total((m) => m.serverCpuMs!) : undefined;
  return {
    reqPerSec: total((m) => m.reqPerSec),
    p50Ms: Math.max(...parts.map((m) => m.p50Ms)),
    p99Ms: Math.max(...parts.map((m) => m.p99Ms)),
    avgMs: total((m) => m.avgMs) / parts.length,
    ok: total((m) => m.ok),
    non2xx: total((m) => m.non2xx),
    errors: total((m) => m.errors),
    timeouts: total((m) => m.timeouts),
    seconds: Math.max(...parts.map((m) => m.seconds)),
    statusCodes: {},
    ...(cpu === undefined ? {} : { serverCpuMs: cpu }),
  };
}

async function measure(ctx: BenchContext, servers: ChildHandle[], request: LoadRequest): Promise<Measurement> {
  const connections = Math.max(1, Math.floor(ctx.connections / servers.length));
  await Promise.all(servers.map((s) => load({ url: s.url, connections, seconds: ctx.warmupSeconds, request })));
  return sum(await Promise.all(servers.map((s) => load({ url: s.url, connections, seconds: ctx.seconds, request }))));
}

export const scaleScenario: Scenario = {
  name: 'scale',
  description: 'get and create on 1, 2 and 3 baas processes sharing one PostgreSQL database (the load split evenly over them)',
  async run(ctx) {
    const ops = [
      { name: 'get', request: (prefix: string, ids: string[]): LoadRequest => ({ method: 'GET', path: ids.map((id) => `${prefix}/${id}`) }) },
      { name: 'create', request: (prefix: string): LoadRequest => ({ method: 'POST', path: prefix, headers: { 'content-type': 'application/json' }, bodies }) },
    ].filter((op) => ctx.selected('scale', op.name));
    if (!ops.length) return [];
    const database = await createBenchDatabase(ctx.log);
    if (!database) return [];
    const servers: ChildHandle[] = [];
    try {
      ctx.log('scale: starting baas on PostgreSQL (seeding), then two more processes on the same database...');
      const env = { BENCH_DATABASE_URL: database.url };
      servers.push(await startChild({ name: 'baas-1', script: 'bench/server-baas.ts', env }));
      const { ids, prefix } = servers[0].ready as unknown as { ids: string[]; prefix: string };
      for (const n of [2, 3]) servers.push(await startChild({ name: `baas-${n}`, script: 'bench/server-join.ts', env }));
      const rows: Row[] = [];
      for (const op of ops) {
        const request = op.request(prefix, ids);
        const byCount: Measurement[] = [];
        for (const n of [1, 2, 3]) {
          if (ctx.aborted()) return rows;
          const rounds: Measurement[] = [];
          for (let r = 0; r < ctx.rounds; r++) rounds.push(await measure(ctx, servers.slice(0, n), request));
          const subject = rounds.reduce((best, m) => (m.reqPerSec > best.reqPerSec ? m : best));
          byCount[n] = subject;
          const warnings = subject.non2xx || subject.errors ? [`${subject.non2xx} non-2xx, ${subject.errors} socket errors`] : [];
          rows.push({
            scenario: 'scale',
            operation: `${op.name} ×${n}`,
            unit: 'req/s',
            subject,
            ...(n > 1 ? { baseline: byCount[1], ratio: subject.reqPerSec / byCount[1].reqPerSec } : {}),
            rounds: rounds.map((m) => ({ subject: m })),
            warnings,
            notes: n === 3 ? [`scale ${op.name}: ×2 = ${(byCount[2].reqPerSec / byCount[1].reqPerSec).toFixed(2)}, ×3 = ${(byCount[3].reqPerSec / byCount[1].reqPerSec).toFixed(2)} of one process (servers on core ${process.env.BENCH_SERVER_CPU ?? '0'})`] : undefined,
          });
        }
      }
      return rows;
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await database.drop();
    }
  },
};
