/**
 * Covers docs/architecture.json: every import in server/src and packages/*\/src
 * (type-only ones too, re-exports and dynamic imports) goes from a layer to one
 * the map lets it import, and every file is in a layer. Tests may import anything.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Layer { name: string; paths: string[]; mayImport: string[] }
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const map = JSON.parse(readFileSync(join(root, 'docs/architecture.json'), 'utf8')) as { layers: Layer[]; bare: Record<string, string> };

/** The layer of a repository path: its longest matching entry. */
export function layerOf(path: string): string | undefined {
  let best: { name: string; length: number } | undefined;
  for (const layer of map.layers) {
    for (const p of layer.paths) {
      const hit = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (hit && (!best || p.length > best.length)) best = { name: layer.name, length: p.length };
    }
  }
  return best?.name;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const specifiers = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import that crosses a layer the map does not allow, as `file → target (from → to)`. */
export function crossings(files: string[]): string[] {
  const allowed = new Map(map.layers.map((l) => [l.name, new Set([l.name, ...l.mayImport])]));
  const found: string[] = [];
  for (const file of files) {
    const from = relative(root, file);
    const fromLayer = layerOf(from);
    if (!fromLayer) {
      found.push(`${from} is in no layer`);
      continue;
    }
    for (const match of readFileSync(file, 'utf8').matchAll(specifiers)) {
      const spec = match[1] ?? match[2];
      const to = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)) : spec;
      const toLayer = spec.startsWith('.') ? layerOf(to) : map.bare[spec.split('/').slice(0, 2).join('/')];
      if (toLayer && !allowed.get(fromLayer)!.has(toLayer)) found.push(`${from} → ${spec} (${fromLayer} → ${toLayer})`);
    }
  }
  return found;
}

const files = [join(root, 'server/src'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'src'))].flatMap(sources);

t.test('no import crosses a layer the wrong way', async (t) => {
  t.ok(files.length > 100, `${files.length} files read`);
  t.same(crossings(files), []);
});

t.test('the check sees a crossing', async (t) => {
  // A service that reached into HTTP, and a package that imported the server: both are refused.
  t.same(layerOf('server/src/services/records/get.ts'), 'services');
  t.same(layerOf('server/src/errors.ts'), 'shared');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const probe = (layer: string, source: string) => {
    const dir = mkdtempSync(join(root, `server/src/${layer}/.layer-probe-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'probe.ts'), source);
    return crossings([join(dir, 'probe.ts')]).map((c) => c.slice(c.indexOf(' → ') + 3));
  };
  t.same(probe('services', "import type { Routes } from '../../http/schemas.ts';\nexport const x = import('../../realtime/index.ts');\n"), ['../../http/schemas.ts (services → http)'], 'services may build realtime, never reach into http');
  // Services build realtime; realtime never reaches back (issue 10 item 4).
  t.same(probe('realtime', "import type { Services } from '../../services/index.ts';\nimport { x } from '../../db/bus.ts';\n"), ['../../services/index.ts (realtime → services)']);
});
