import { join } from 'node:path';
import { combine, load, type LoadRequest, type Measurement } from './wrk.ts';
import { cpuMsOf, type ChildHandle } from './processes.ts';
import { warningsFor } from './report.ts';
import type { BenchContext, Row } from './scenario.ts';

/** One side of a comparison: the server under test or its baseline. */
export interface MeasuredSide {
  name: 'baas' | 'baseline';
  /** Shown in progress lines and profile file names when it says more than the name (e.g. 'baas-pg'). */
  label?: string;
  child: ChildHandle;
}

/**
 * Measures one operation on both sides, alternating them round by round
 * (ABBA...), each after a warm-up, and returns the report row. A slow
 * operation names fewer `connections`: the requests a run leaves in flight
 * are still served after it, into the next measurement.
 */
export async function measurePair<S extends MeasuredSide>(
  ctx: BenchContext,
  scenario: string,
  op: { name: string; target: number; connections?: number; request(side: S): LoadRequest },
  baas: S,
  baseline: S,
): Promise<Row> {
  const rounds: Array<{ subject: Measurement; baseline: Measurement }> = [];
  for (let round = 0; round < ctx.rounds && !ctx.aborted(); round++) {
    const order = round % 2 === 0 ? [baas, baseline] : [baseline, baas];
    const got: Partial<Record<MeasuredSide['name'], Measurement>> = {};
    for (const side of order) {
      if (ctx.aborted()) break;
      const connections = op.connections ?? ctx.connections;
      const run = (seconds: number) => load({ url: side.child.url, connections, seconds, request: op.request(side) });
      if (ctx.warmupSeconds > 0) await run(ctx.warmupSeconds);
      if (ctx.profileDir) await side.child.startProfile();
      const cpuBefore = cpuMsOf(side.child.pid);
      const m = { ...(await run(ctx.seconds)), serverCpuMs: 0 };
      m.serverCpuMs = cpuMsOf(side.child.pid) - cpuBefore;
      if (ctx.profileDir) await side.child.stopProfile(join(ctx.profileDir, `${scenario}-${op.name}-r${round + 1}-${side.label ?? side.name}.cpuprofile`));
      got[side.name] = m;
      ctx.log(`  ${op.name.padEnd(6)} round ${round + 1}/${ctx.rounds} ${(side.label ?? side.name).padEnd(11)} ${Math.round(m.reqPerSec)} req/s, p99 ${m.p99Ms} ms`);
    }
    if (got.baas && got.baseline) rounds.push({ subject: got.baas, baseline: got.baseline });
  }
  if (!rounds.length) throw new Error('interrupted before a full round');
  const subject = combine(rounds.map((r) => r.subject));
  const base = combine(rounds.map((r) => r.baseline));
  return {
    scenario,
    operation: op.name,
    unit: 'req/s',
    subject,
    baseline: base,
    ratio: base.reqPerSec > 0 ? subject.reqPerSec / base.reqPerSec : undefined,
    target: op.target,
    rounds,
    warnings: [...warningsFor('baas', subject), ...warningsFor('baseline', base)],
    cpuRatio: cpuRatio(subject, base),
    notes: [cpuNote(subject, base)],
  };
}

function cpuPerOk(m: Measurement): number | undefined {
  return m.serverCpuMs === undefined || m.ok === 0 ? undefined : m.serverCpuMs / m.ok;
}

/** Baseline CPU per success / subject CPU per success. */
export function cpuRatio(subject: Measurement, baseline: Measurement): number | undefined {
  const [a, b] = [cpuPerOk(subject), cpuPerOk(baseline)];
  return a === undefined || b === undefined || a === 0 ? undefined : b / a;
}

/** Server CPU per successful request on both sides: the figure the neighbours' load moves least. */
export function cpuNote(subject: Measurement, baseline: Measurement): string {
  const us = (m: Measurement) => (m.serverCpuMs! * 1000) / Math.max(1, m.ok);
  const [a, b] = [us(subject), us(baseline)];
  return `server CPU per request: baas ${a.toFixed(0)} µs, baseline ${b.toFixed(0)} µs (baseline/baas = ${(b / a).toFixed(3)})`;
}

/** A request to a side that must answer `status`; its JSON body. */
export async function call(side: MeasuredSide, method: string, path: string, status: number, body?: string): Promise<Record<string, any>> {
  const res = await fetch(side.child.url + path, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`${side.name}: ${method} ${path} answered ${res.status}, expected ${status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Fails the scenario (before measuring) when a side's reply is not what the operation should give. */
export function expect(side: MeasuredSide, ok: boolean, what: string, got: unknown): void {
  if (!ok) throw new Error(`${side.name}: ${what}; got ${JSON.stringify(got).slice(0, 500)}`);
}
