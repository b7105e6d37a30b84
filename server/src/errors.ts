import { errorStatus, type ErrorCode, type ErrorEnvelope } from '@baas/protocol';
import { QueryError } from '@baas/query';

/**
 * The one error type services throw. The HTTP layer turns it into the error
 * envelope with the status the registry gives its code.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
  }

  /** The JSON body of this error. */
  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** What a client is told of a QueryError: its message (ending "at column N"), position and column. */
export function queryProblem(err: QueryError): { message: string; position: number; column: number } {
  return { message: err.message, position: err.position, column: err.column };
}

/**
 * A QueryError (a filter, sort, search, rule or aggregate that does not parse
 * or bind) as the 400 `code`, "invalid <what>: ...", with the position and
 * column the client can point at. The one conversion: every expression the
 * API takes fails the same way.
 */
export function queryApiError(code: ErrorCode, what: string, err: QueryError, details?: Record<string, unknown>): ApiError {
  const { message, ...where } = queryProblem(err);
  return new ApiError(code, `invalid ${what}: ${message}`, { ...details, ...where });
}

/** Runs `fn`; a QueryError it throws becomes `queryApiError(code, what, err, details)`. */
export function orQueryError<T>(code: ErrorCode, what: string, fn: () => T, details?: Record<string, unknown>): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueryError) throw queryApiError(code, what, err, details);
    throw err;
  }
}

