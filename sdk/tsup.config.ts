import { defineConfig } from 'tsup';

// The published package: ESM and CJS with declarations, plus the Node-only
// `@baas/sdk/node` entry. @baas/protocol is a private workspace package (a
// devDependency, so tsup bundles it); `paths` lets the declaration bundler
// inline its types too, which `dts.resolve` alone does not do for a
// workspace package's TypeScript sources.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: true, compilerOptions: { baseUrl: '.', paths: { '@baas/protocol': ['../packages/protocol/src/index.ts'] } } },
  external: ['ws'],
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
});
