// The dashboard's bundle-size budget, checked on the built files (pnpm test builds them first).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dashboardDist } from '../dist-path.ts';

/**
 * Gzipped kilobytes. `initial` is what the first page needs before it can
 * paint (the entry script, what index.html preloads, the stylesheet); every
 * page's own code is a lazy chunk on top. The whole JavaScript bounds what a
 * session that opens every page downloads.
 */
export const budget = { initialKb: 150, totalJsKb: 320, cssKb: 20 };

const assets = join(dashboardDist, 'assets');
const gz = (file: string) => gzipSync(readFileSync(join(assets, file))).length / 1024;

t.test('the built dashboard stays within its size budget', async (t) => {
  const html = readFileSync(join(dashboardDist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/_\/assets\/([^"]+)"/g)].map((m) => m[1]);
  t.ok(initial.some((f) => f.endsWith('.js')), 'index.html loads the entry script');
  const files = readdirSync(assets);
  const initialKb = initial.reduce((sum, f) => sum + gz(f), 0);
  const totalJsKb = files.filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gz(f), 0);
  const cssKb = files.filter((f) => f.endsWith('.css')).reduce((sum, f) => sum + gz(f), 0);
  t.comment(`initial ${initialKb.toFixed(1)} KB, all JavaScript ${totalJsKb.toFixed(1)} KB, CSS ${cssKb.toFixed(1)} KB (gzipped)`);
  t.ok(initialKb <= budget.initialKb, `first paint: ${initialKb.toFixed(1)} KB of ${budget.initialKb} KB`);
  t.ok(totalJsKb <= budget.totalJsKb, `all JavaScript: ${totalJsKb.toFixed(1)} KB of ${budget.totalJsKb} KB`);
  t.ok(cssKb <= budget.cssKb, `CSS: ${cssKb.toFixed(1)} KB of ${budget.cssKb} KB`);
  t.notOk(files.some((f) => f.endsWith('.map')), 'no source maps are shipped');
});
