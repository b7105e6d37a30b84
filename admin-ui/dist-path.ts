import { fileURLToPath } from 'node:url';

/** Where `vite build` writes the dashboard: the folder the server serves at /_/. */
export const dashboardDist = fileURLToPath(new URL('./dist', import.meta.url));
