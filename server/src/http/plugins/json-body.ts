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
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string)) {
      done(new ApiError('validation_failed', `the body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`, { maxDepth: MAX_JSON_DEPTH }), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
