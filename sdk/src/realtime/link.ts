// What the realtime client and its channels share: the reply of a message
// and the narrow link a channel has to its client.
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

/** The error of an `error` reply (status 0: no HTTP status over a socket). */
export function replyError(reply: Reply & { op: 'error' }): BaasError {
  return new BaasError(0, reply.error.code, reply.error.message, reply.error.details);
}
