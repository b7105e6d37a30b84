// What the realtime client and its channels share: the reply of a message,
// the narrow link a channel has to its client, and how user callbacks run.
import type { RealtimeClientMessage } from '@baas/protocol';
import { BaasError } from '../errors.ts';

export type Reply = { op: 'ack'; seq?: number } | { op: 'error'; error: { code: string; message: string; details?: Record<string, unknown> } };
export type OnReply = (reply: Reply | null) => void;

/** What a channel needs of its client: kept narrow so the channel cannot reach the socket. */
export interface Link {
  open(): boolean;
  call(message: RealtimeClientMessage, onReply: OnReply): void;
  wake(): void;
  idle(): void;
}

/** Runs a user callback; a throw is reported (asynchronously) without breaking the frame loop. */
export function safe(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    });
  }
}

export function errorOf(reply: Reply & { op: 'error' }): BaasError {
  return new BaasError(0, reply.error.code, reply.error.message, reply.error.details);
}
