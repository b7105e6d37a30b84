import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Measurement } from './wrk.ts';
import type { Row } from './scenario.ts';

export type Verdict = 'PASS' | 'BELOW' | '-';

export function verdict(row: Row): Verdict {
  if (row.ratio === undefined || row.target === undefined) return '-';
  return row.ratio >= row.target ? 'PASS' : 'BELOW';
}

/** Warnings a measurement deserves: anything but clean 2xx replies. */
export function warningsFor(side: string, m: Measurement): string[] {
  const out: string[] = [];
  if (m.non2xx) out.push(`${side}: ${m.non2xx} non-2xx replies (${JSON.stringify(m.statusCodes)})`);
  if (m.errors) out.push(`${side}: ${m.errors} socket errors`);
  if (m.timeouts) out.push(`${side}: ${m.timeouts} timeouts`);
  if (m.ok === 0) out.push(`${side}: no successful reply at all`);
  return out;
}

const fmt = {
  rate: (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US')),
  ms: (n: number | undefined) => (n === undefined ? '-' : n.toFixed(n < 10 ? 2 : 1)),
  ratio: (n: number | undefined) => (n === undefined ? '-' : n.toFixed(3)),
  target: (n: number | undefined) => (n === undefined ? '-' : `>= ${n.toFixed(2)}`),
};

/** The results as a plain-text table. */
export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'operation', 'baas req/s', 'baas p99 ms', 'baseline req/s', 'baseline p99 ms', 'ratio', 'cpu ratio', 'target', 'result'];
  const lines = rows.map((r) => [
    r.scenario,
    r.operation,
    fmt.rate(r.subject.reqPerSec) + (r.unit === 'req/s' ? '' : ` ${r.unit}`),
    fmt.ms(r.subject.p99Ms),
    fmt.rate(r.baseline?.reqPerSec),
    fmt.ms(r.baseline?.p99Ms),
    fmt.ratio(r.ratio),
    fmt.ratio(r.cpuRatio),
    fmt.target(r.target),
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const render = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const out = [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)];
  const warnings = rows.flatMap((r) => r.warnings.map((w) => `  ! ${r.scenario}/${r.operation}: ${w}`));
  if (warnings.length) out.push('', 'warnings:', ...warnings);
  const notes = rows.flatMap((r) => (r.notes ?? []).map((n) => `  ${r.scenario}/${r.operation}: ${n}`));
  if (notes.length) out.push('', 'notes:', ...notes);
  return out.join('\n');
}

/** Writes the results as JSON (creating the folder). */
export function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}
