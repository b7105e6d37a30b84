/**
 * A plain-text summary of V8 .cpuprofile files (node --cpu-prof): where the
 * time went, by function (self and inclusive) and by area (server code, a
 * workspace package, a dependency, node internals, GC).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './processes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time not spent idle: the base of the percentages. */
  busyMs: number;
  byArea: Array<[string, number]>;
  self: Array<[string, number]>;
  inclusive: Array<[string, number]>;
}

function where(url: string): string {
  if (!url) return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      return url;
    }
  }
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (pnpm) return `${pnpm[1]}/${pnpm[2]}`;
  return path.startsWith(repoRoot) ? relative(repoRoot, path) : path;
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const w = where(url);
  const pkg = /^((?:@[^/]+\/)?[^/]+)\//.exec(w)?.[1];
  if (w.startsWith('server/src/')) return w.split('/').slice(0, 4).join('/').replace(/\.ts$/, '');
  if (w.startsWith('packages/')) return w.split('/').slice(0, 2).join('/');
  if (w.startsWith('bench/')) return 'bench';
  return pkg ?? w;
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const w = where(n.callFrame.url);
    return `${n.callFrame.functionName || '(anonymous)'}${w ? ` ${w}:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (!node || ms <= 0) continue;
    total += ms;
    if (node.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    self.set(key(node), (self.get(key(node)) ?? 0) + ms);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const seen = new Set<string>();
    // Bounded walk to the root: a profile tree has no cycles, but never trust input.
    let current: ProfileNode | undefined = node;
    for (let depth = 0; current && depth < 10_000; depth++) {
      const k = key(current);
      if (!seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
      }
      const p = parent.get(current.id);
      current = p === undefined ? undefined : byId.get(p);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const generic = /^\((root|program|idle|anonymous)\)|^(processTicksAndRejections|runMicrotasks|emit|listOnTimeout|processTimers)\b/;
  return {
    totalMs: total,
    busyMs: total - idle,
    byArea: sorted(areas).slice(0, top),
    self: sorted(self).slice(0, top),
    inclusive: sorted(inclusive).filter(([k]) => !generic.test(k)).slice(0, top),
  };
}

function cpuprofiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, depth + 1);
      else if (name.endsWith('.cpuprofile')) out.push(p);
    }
  };
  walk(dir, 0);
  return out.sort();
}

/** Prints a summary of every profile under `dir`. */
export function summarizeProfiles(dir: string, print: (line: string) => void, top = 25): void {
  for (const file of cpuprofiles(dir)) {
    const s = summarizeProfile(file, top);
    const pct = (ms: number) => `${((100 * ms) / (s.busyMs || 1)).toFixed(1).padStart(5)}%`;
    print(`\nprofile ${relative(repoRoot, file)}: ${(s.busyMs / 1000).toFixed(2)} s busy of ${(s.totalMs / 1000).toFixed(2)} s (percentages of busy time)`);
    print('  by area (self time):');
    for (const [k, ms] of s.byArea) print(`    ${pct(ms)}  ${k}`);
    print('  top functions, self time:');
    for (const [k, ms] of s.self) print(`    ${pct(ms)}  ${k}`);
    print('  top functions, inclusive time:');
    for (const [k, ms] of s.inclusive) print(`    ${pct(ms)}  ${k}`);
  }
}

// `tsx bench/lib/profile.ts <dir-or-file>`: summarize existing profiles.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2] ?? join(repoRoot, 'bench', 'results', 'profiles');
  const top = Number(process.argv[3] ?? 25);
  if (target.endsWith('.cpuprofile')) {
    const s = summarizeProfile(target, top);
    console.log(JSON.stringify(s, null, 2));
  } else summarizeProfiles(target, (l) => console.log(l), top);
}
