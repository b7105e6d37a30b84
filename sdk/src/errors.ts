import type { ErrorCode } from '@baas/protocol';

/**
 * The codes a `BaasError` may carry: the server's stable codes, plus
 * `network_error` (the server could not be reached) and
 * `unexpected_response` (a reply that is not the API's JSON, e.g. a proxy page).
 * Unknown codes from a newer server pass through as plain strings.
 */
export type BaasErrorCode = ErrorCode | 'network_error' | 'unexpected_response' | (string & {});

/**
 * Every failure of an SDK call. Mirrors the server's error envelope
 * `{"error": {"code", "message", "details"}}`; switch on `code`, not `message`.
 * A network failure has `status: 0` and `code: 'network_error'`.
 */
export class BaasError extends Error {
  /** The HTTP status, or 0 when no reply arrived. */
  readonly status: number;
  /** The stable snake_case code. */
  readonly code: BaasErrorCode;
  /** Extra facts, e.g. `details.fields` of a validation failure. */
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: BaasErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BaasError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Whether `value` is a `BaasError`, optionally with the given code. */
export function isBaasError(value: unknown, code?: BaasErrorCode): value is BaasError {
  return value instanceof BaasError && (code === undefined || value.code === code);
}

/**
 * Runs an app's callback (a listener, an event handler). Its error is the
 * app's, not the SDK's: thrown on its own tick, where the app's error
 * reporting sees it, so it cannot break the sign-in or frame loop that called it.
 */
export function safe(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    });
  }
}
