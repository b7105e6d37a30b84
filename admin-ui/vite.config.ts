import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the baas server at /_/ (server/src/http/routes/dashboard.ts).
export default defineConfig({
  base: '/_/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The budget is checked by admin-ui/test/budget.test.ts, not by a warning nobody reads.
    chunkSizeWarningLimit: 1000,
    sourcemap: false,
  },
  server: {
    // `pnpm --filter @baas/admin-ui dev` against a `pnpm start` server.
    proxy: { '/v1': { target: 'http://127.0.0.1:8787', ws: true } },
  },
});
