import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';

const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, x-upsert, range, if-none-match, if-match';
/** What the SDK and apps read from replies: downloads, ranges, rate limits. */
const EXPOSED_HEADERS = 'etag, content-range, content-length, content-disposition, last-modified, retry-after, accept-ranges';
const MAX_AGE = '600';

/**
 * Cross-origin access for browser apps (an app on :5173 calling baas on
 * :8787). Safe to open to every origin by default: the API authenticates
 * with bearer tokens, never with cookies, so another site's page cannot act
 * as a visitor (the OAuth binding cookie is only read on top-level
 * redirects, which CORS does not govern).
 *
 * One onRequest hook with the headers written once, instead of
 * @fastify/cors, which copies its options object and resolves the origin
 * through a chain of callbacks on every request (2.3% of a records get's
 * CPU); the replies are the same header for header (cors.test.ts).
 * Every OPTIONS is answered as a preflight, 204 with the allowed methods and
 * headers, whether or not it carries Access-Control-Request-Method (an
 * OPTIONS without one would otherwise be a 404 or a 400 outside the envelope).
 */
export async function registerCors(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  const origins = config.corsOrigins.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', (request, reply, done) => {
    if (anyOrigin) reply.header('access-control-allow-origin', '*');
    else {
      // The reply depends on the Origin header: caches must key on it.
      reply.header('vary', 'Origin');
      const origin = request.headers.origin;
      if (origin !== undefined && allowed.has(origin)) reply.header('access-control-allow-origin', origin);
    }
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.raw.method !== 'OPTIONS') return done();
    reply
      .header('access-control-allow-methods', METHODS)
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', MAX_AGE)
      // Safari waits for a body on a 204 without a length.
      .header('content-length', '0')
      .code(204)
      .send();
  });
  // The route that lets Fastify accept an OPTIONS on any path (the hook above answers it).
  app.options('*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
}
