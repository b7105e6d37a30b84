import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { dashboardDist } from '@baas/admin-ui';
import { ApiError } from '../../errors.ts';

/**
 * What the dashboard's pages may load: its own scripts and styles only (no
 * inline script, no eval), images from itself (signed object URLs are same
 * origin) and blobs, and calls to this server (HTTP and its WebSocket).
 */
export const dashboardCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite puts a content hash in every file name under assets/: such a file never changes. */
const hashedAsset = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.\w+$/;

/**
 * The admin dashboard (admin-ui, built by Vite) at `/_/`: hashed assets
 * cached for a year, every other path answered with index.html so the
 * single-page app's routes survive a reload, all under a strict CSP. The page
 * itself holds no data: everything it shows comes through the API with the
 * admin's token.
 */
export async function dashboardRoutes(app: FastifyInstance, dir = dashboardDist): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', dashboardCsp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
    });
    scope.get('/_', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/_/'));

    if (!existsSync(join(dir, 'index.html'))) {
      // Started from a checkout without a build: say how to get one instead of a bare 404.
      scope.get('/_/*', { schema: { hide: true } }, async (_request, reply) =>
        reply.status(503).type('text/html; charset=utf-8').send(
          '<!doctype html><meta charset="utf-8"><title>baas dashboard</title><p>The dashboard is not built. Run <code>pnpm --filter @baas/admin-ui build</code> (or <code>pnpm start</code>, which builds it) and reload.</p>',
        ),
      );
      return;
    }

    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/_/',
      // One route per built file, and the catch-all below for the app's own paths.
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders(res, path) {
        res.setHeader('cache-control', hashedAsset.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get('/_/*', { schema: { hide: true } }, async (request, reply) => {
      // A missing asset is a 404 (a stale tab after a rebuild must not get HTML as a script).
      if (request.url.startsWith('/_/assets/')) throw new ApiError('route_not_found', `no file ${request.url.split('?')[0]}`);
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
    scope.get('/_/', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  });
}
