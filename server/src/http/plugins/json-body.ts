import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../json-depth.ts';

/**
 * Fastify's own JSON body parser (prototype poisoning refused), behind a
 * nesting limit: a body deeper than MAX_JSON_DEPTH is a 400 before it is parsed.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Fastify also parses text/plain by default; the API takes JSON only, so a
  // text body is 415 unsupported_media_type (as documented), not a 400 from
  // schema validation of a string. An empty one carries nothing to refuse: a
  // GET or DELETE sent with a stray text/plain header is judged on its merits.
  // Upload routes keep their own parsers.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') done(null, undefined);
    else done(new ApiError('unsupported_media_type', 'send the body as application/json'), undefined);
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string)) {
      done(new ApiError('validation_failed', `the body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`, { maxDepth: MAX_JSON_DEPTH }), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
