/**
 * Bundles the `baas` command into one file, cli/dist/baas.mjs: every
 * dependency inlined but the native ones (better-sqlite3, sharp), which load
 * from cli/node_modules. It stays in the checkout: the dashboard it serves is
 * admin-ui/dist beside it. `pnpm cli:install` links it onto the PATH.
 */
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const outfile = fileURLToPath(new URL('./dist/baas.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./src/bin.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons cannot be bundled; pg-native is an optional peer pg never needs here.
  external: ['better-sqlite3', 'sharp', 'pg-native'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __baasRequire } from 'node:module';\nconst require = __baasRequire(import.meta.url);" },
  plugins: [
    {
      // The dashboard's files stay in the checkout: point at them from the bundle's place, not the module's.
      name: 'dashboard-path',
      setup(b) {
        b.onResolve({ filter: /^@baas\/admin-ui$/ }, () => ({ path: 'admin-ui', namespace: 'dashboard-path' }));
        b.onLoad({ filter: /.*/, namespace: 'dashboard-path' }, () => ({
          contents: "import { fileURLToPath } from 'node:url';\nexport const dashboardDist = fileURLToPath(new URL('../../admin-ui/dist', import.meta.url));",
          loader: 'js',
        }));
      },
    },
  ],
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.error(`built ${outfile}`);
