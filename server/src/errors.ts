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

/**
 * Runs `fn`; a QueryError it throws (a filter, sort, search or rule that does
 * not parse or bind) becomes the 400 `code`, "invalid <what>: ...", with the
 * position and column the client can point at. The one conversion: every
 * expression the API takes fails the same way.
 */
export function orQueryError<T>(code: ErrorCode, what: string, fn: () => T, details?: Record<string, unknown>): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueryError) throw new ApiError(code, `invalid ${what}: ${err.message}`, { ...details, position: err.position, column: err.column });
    throw err;
  }
}

