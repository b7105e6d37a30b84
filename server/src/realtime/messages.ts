import type { RealtimeClientMessage } from '@baas/protocol';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.ts';
import { RealtimeError } from './errors.ts';

const MAX_ID = 128;
const MAX_CHANNEL = 256;

/** A frame refused before it was parsed: answered under the id read from its start, when one could be. */
export class RefusedFrame extends RealtimeError {
  constructor(
    readonly id: string | undefined,
    message: string,
  ) {
    super('invalid_message', message);
  }
}

/**
 * A client frame as a JSON object: a text frame, nesting at most
 * MAX_JSON_DEPTH levels (checked before parsing: deeper input would overflow
 * every later recursive walk), whose value is an object. Throws RefusedFrame.
 */
export function decodeFrame(data: Buffer, isBinary: boolean): Record<string, unknown> {
  const refused = () => new RefusedFrame(undefined, 'a message must be a JSON object in a text frame');
  if (isBinary) throw refused();
  const text = data.toString('utf8');
  if (nestsDeeperThan(text)) throw new RefusedFrame(peekId(data), `a message may nest at most ${MAX_JSON_DEPTH} levels of arrays and objects`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw refused();
  return value as Record<string, unknown>;
}

/** The id to answer a decoded frame under: its `id` when that is a string. */
export function answerId(frame: Record<string, unknown>): string | undefined {
  return typeof frame.id === 'string' ? frame.id : undefined;
}

/**
 * The id of a frame that is refused unparsed, so the client can fail the
 * call instead of waiting for an answer forever. It is read from the frame's
 * start, not by parsing it: a flood must not cost a JSON parse per frame.
 */
export function peekId(data: Buffer): string | undefined {
  return /^\s*\{[^{]*?"id"\s*:\s*"([^"\\]{1,64})"/.exec(data.subarray(0, 256).toString('utf8'))?.[1];
}

/**
 * A decoded frame as the protocol's message, every field it reads checked
 * (what the connection's state decides, such as a duplicate subscription,
 * is the connection's). Throws RealtimeError: `invalid_message`, or
 * `unknown_op` for an op the protocol does not have.
 */
export function parseMessage(frame: Record<string, unknown>): RealtimeClientMessage {
  if (frame.id !== undefined && (typeof frame.id !== 'string' || frame.id.length > MAX_ID)) {
    throw new RealtimeError('invalid_message', `'id' must be a string of at most ${MAX_ID} characters`);
  }
  const id = frame.id as string | undefined;
  switch (frame.op) {
    case 'auth':
      return { op: 'auth', id, token: text(frame, 'token', 4096)! };
    case 'subscribe': {
      if (id === undefined) throw new RealtimeError('invalid_message', 'subscribe needs an \'id\' (the subscription\'s)');
      const since = frame.since;
      if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)) {
        throw new RealtimeError('invalid_message', '\'since\' must be a non-negative integer (a seq)');
      }
      return {
        op: 'subscribe',
        id,
        collection: text(frame, 'collection', 256)!,
        filter: frame.filter === '' ? undefined : text(frame, 'filter', 4096, true),
        recordId: text(frame, 'recordId', 256, true),
        since,
      };
    }
    case 'unsubscribe':
      if (id === undefined) throw new RealtimeError('invalid_message', 'unsubscribe needs an \'id\' (the subscription\'s)');
      return { op: 'unsubscribe', id };
    case 'join': {
      const channel = text(frame, 'channel', MAX_CHANNEL)!;
      const presence = frame.presence;
      if (presence !== undefined && (presence === null || typeof presence !== 'object' || Array.isArray(presence))) {
        throw new RealtimeError('invalid_message', '\'presence\' must be an object');
      }
      return { op: 'join', id, channel, presence: presence as Record<string, unknown> | undefined };
    }
    case 'leave':
      return { op: 'leave', id, channel: text(frame, 'channel', MAX_CHANNEL)! };
    case 'broadcast':
      return { op: 'broadcast', id, channel: text(frame, 'channel', MAX_CHANNEL)!, event: text(frame, 'event', MAX_CHANNEL)!, payload: frame.payload };
    default:
      throw new RealtimeError(typeof frame.op === 'string' ? 'unknown_op' : 'invalid_message', `unknown op ${JSON.stringify(frame.op)}`);
  }
}

/** A string field: required unless `optional`, at most `max` characters. */
function text(frame: Record<string, unknown>, name: string, max: number, optional = false): string | undefined {
  const value = frame[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new RealtimeError('invalid_message', `'${name}' must be a non-empty string of at most ${max} characters`);
  }
  return value;
}
