import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';

/**
 * The one error handler: every failure leaves as the error envelope with a
 * stable code. Schema failures list each offending field.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const error = toApiError(err);
    if (error.status < 500) return reply.status(error.status).send(error.toEnvelope());
    // A 5xx names its request id, so a report of it leads to its log line (which carries the error).
    request.failure = err;
    const envelope = error.toEnvelope();
    reply.status(error.status).send({ error: { ...envelope.error, requestId: request.id } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new ApiError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toEnvelope());
  });
}

function toApiError(err: FastifyError | ApiError): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    const fields: Record<string, { code: string; message: string }> = {};
    for (const v of err.validation) {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const path = [...v.instancePath.split('/').filter(Boolean), missing ?? extra].filter(Boolean).join('.') || '(root)';
      fields[path] = { code: extra ? 'unknown_field' : v.keyword, message: extra ? 'is not allowed' : (v.message ?? 'is invalid') };
    }
    return new ApiError('validation_failed', `invalid ${err.validationContext ?? 'request'}: ${err.message}`, {
      in: err.validationContext,
      fields,
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('validation_failed', `the body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode === 400 && err instanceof SyntaxError) return new ApiError('validation_failed', `the body is not valid JSON: ${err.message}`);
  if (err.statusCode === 413) return new ApiError('payload_too_large', err.message);
  if (err.statusCode === 415) return new ApiError('unsupported_media_type', err.message);
  if (err.statusCode && err.statusCode < 500) return new ApiError('validation_failed', err.message);
  return new ApiError('internal_error', 'something went wrong on the server');
}
