import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';

/**
 * Cross-origin access for browser apps (an app on :5173 calling baas on
 * :8787). Safe to open to every origin by default: the API authenticates
 * with bearer tokens, never with cookies, so another site's page cannot act
 * as a visitor (the OAuth binding cookie is only read on top-level
 * redirects, which CORS does not govern).
 */
export async function registerCors(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  const origins = config.corsOrigins.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-upsert', 'range', 'if-none-match', 'if-match'],
    // What the SDK and apps read from replies: downloads, ranges, rate limits.
    // One string: the plugin joins an array again on every request.
    exposedHeaders: 'etag, content-range, content-length, content-disposition, last-modified, retry-after, accept-ranges',
    maxAge: 600,
    // An OPTIONS without Access-Control-Request-Method is no preflight: the
    // plugin's strict mode answers it 400 text/plain, outside the envelope.
    strictPreflight: false,
  });
}
