/**
 * The realtime protocol: JSON text frames over the WebSocket at
 * `GET /v1/projects/:project/realtime` (see DESIGN.md, "Realtime protocol").
 * Every client message may carry an `id`; the server echoes it in the `ack`
 * or `error` that answers the message.
 */
import type { ErrorCode } from './errors.ts';
import type { RecordData } from './collections.ts';

/** Authenticates the connection (again after a token refresh): a user access token or a secret key. */
export interface RealtimeAuthMessage {
  op: 'auth';
  id?: string;
  token: string;
}

/** Subscribes to a collection (optionally filtered) or to one record; `since` replays the log after that seq. */
export interface RealtimeSubscribeMessage {
  op: 'subscribe';
  /** The subscription's id, chosen by the client; `change` frames carry it as `sub`. */
  id: string;
  collection: string;
  filter?: string;
  recordId?: string;
  /** The last seq the client has seen: the server first sends every later change it still holds. */
  since?: number;
}

/** Ends a subscription. */
export interface RealtimeUnsubscribeMessage {
  op: 'unsubscribe';
  id: string;
}

/** Joins a channel (or updates one's presence in it). */
export interface RealtimeJoinMessage {
  op: 'join';
  id?: string;
  channel: string;
  presence?: Record<string, unknown>;
}

/** Leaves a channel. */
export interface RealtimeLeaveMessage {
  op: 'leave';
  id?: string;
  channel: string;
}

/** Sends an event to the other members of a joined channel. */
export interface RealtimeBroadcastMessage {
  op: 'broadcast';
  id?: string;
  channel: string;
  event: string;
  payload?: unknown;
}

/** Anything a client may send. */
export type RealtimeClientMessage =
  | RealtimeAuthMessage
  | RealtimeSubscribeMessage
  | RealtimeUnsubscribeMessage
  | RealtimeJoinMessage
  | RealtimeLeaveMessage
  | RealtimeBroadcastMessage;

/**
 * What a change means to one subscription. `enter` / `leave`: an update made
 * the record start / stop matching the subscription (its rule and filter), so a
 * client keeping a filtered list adds / removes it. `leave` carries the record
 * as the subscriber last could see it.
 */
export type RealtimeChangeAction = 'create' | 'update' | 'delete' | 'enter' | 'leave';

/** Error codes of realtime frames: the API's, plus the protocol's own. */
export type RealtimeErrorCode =
  | ErrorCode
  /** Not JSON, not an object, or a field of the wrong type. */
  | 'invalid_message'
  | 'unknown_op'
  /** The log no longer holds every change after `since`: refetch, then subscribe without `since`. */
  | 'since_too_old'
  | 'too_many_subscriptions'
  | 'duplicate_subscription'
  | 'not_joined'
  /** An unsubscribe of an id the connection does not hold. */
  | 'subscription_not_found'
  /**
   * The credential the connection authenticated with stopped working (logout, revoked session, user
   * disabled or deleted, secret key revoked, admin session ended), or a changed identity may no longer
   * be in a channel: what was subscribed or joined with it ends. `details.reason` says which.
   */
  | 'access_revoked';

/** Answers a message that succeeded. `seq` (subscribe): the log position the subscription is live from. */
export interface RealtimeAckFrame {
  op: 'ack';
  id?: string;
  seq?: number;
}

/** Answers a message that failed, or ends a subscription (`id` = its id). The connection stays open. */
export interface RealtimeErrorFrame {
  op: 'error';
  id?: string;
  error: { code: RealtimeErrorCode; message: string; details?: Record<string, unknown> };
}

/** One change as one subscription sees it. */
export interface RealtimeChangeFrame {
  op: 'change';
  sub: string;
  action: RealtimeChangeAction;
  record: RecordData;
  seq: number;
}

/** An event another member sent to a channel. */
export interface RealtimeBroadcastFrame {
  op: 'broadcast';
  channel: string;
  event: string;
  payload?: unknown;
  /** The sender's presence key. */
  from: string;
}

/** One member of a channel. */
export interface PresenceEntry {
  /** One per connection and channel. */
  key: string;
  /** The member's user id; null for guests and the service role. */
  userId: string | null;
  presence: Record<string, unknown>;
}

/**
 * Presence: `state` (everyone, sent to whoever joins), then diffs: `join`
 * (a member joined or updated its presence) and `leave`.
 */
export type RealtimePresenceFrame =
  | { op: 'presence'; channel: string; event: 'state'; members: PresenceEntry[]; self: string }
  | { op: 'presence'; channel: string; event: 'join'; member: PresenceEntry }
  | { op: 'presence'; channel: string; event: 'leave'; member: PresenceEntry };

/** Anything the server sends. */
export type RealtimeServerFrame = RealtimeAckFrame | RealtimeErrorFrame | RealtimeChangeFrame | RealtimeBroadcastFrame | RealtimePresenceFrame;

/** WebSocket close codes the server uses. */
export const realtimeCloseCodes = {
  /** Nothing subscribed or joined, and no message, for the idle timeout. */
  idle: 4000,
  /** No pong to the last heartbeat ping. */
  heartbeatTimeout: 4001,
  /** The client read too slowly: its send buffer overflowed. */
  slowConsumer: 4008,
  /** A frame larger than the limit (the WebSocket standard's code). */
  tooLarge: 1009,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;

/** The project's realtime settings (`GET|PUT /v1/projects/:project/realtime/settings`, service role). */
export interface RealtimeSettings {
  /**
   * Who may join a channel: a rule over `auth.*` and `channel` (the channel's
   * name). null = only the service role; "" = everyone.
   */
  channelRule: string | null;
}
