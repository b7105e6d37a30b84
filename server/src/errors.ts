import { errorStatus, type ErrorCode, type ErrorEnvelope } from '@baas/protocol';

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

