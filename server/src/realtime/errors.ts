import type { RealtimeErrorCode } from '@baas/protocol';

/** A failed realtime message: becomes an `error` frame; the connection stays open. */
export class RealtimeError extends Error {
  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
