import type { ProjectHandle } from '../db/registry.ts';
import type { IdentityEvent } from '../db/identity-events.ts';
import type { Viewer } from './judge.ts';

/**
 * Whose credential a connection holds: what an identity event names when that
 * credential loses its access (a user's session, a secret key, an admin session).
 */
export type Holder =
  | { kind: 'user'; userId: string; sessionId: string }
  | { kind: 'key'; keyId: string }
  | { kind: 'admin'; adminId: string; sessionId: string };

/** Who a token makes the connection, whose credential it is (and the token, to check it again), and until when (ms since epoch; undefined = no expiry). */
export interface Identity {
  viewer: Viewer;
  holder?: Holder;
  token?: string;
  expiresAt?: number;
}

/**
 * Who a token makes a connection of the project, as the HTTP actor hook
 * resolves it (one home: services/actors.ts, handed in by
 * services/realtime.ts): an admin token or a secret key (rules do not apply),
 * or a user access token (checked against its session, which must still
 * exist). ApiError `invalid_token` / `token_expired` otherwise.
 */
export type IdentityOf = (project: ProjectHandle, token: string) => Promise<Identity>;

/**
 * What an identity event means for a connection of `projectId` holding
 * `holder`: `revoke` (its credential no longer works), `recheck` (the same
 * user changed, or the bus may have lost events: read the identity again), or
 * nothing.
 */
export function effectOn(
  event: IdentityEvent | undefined,
  projectId: string,
  holder: Holder | undefined,
): { kind: 'revoke'; reason: string } | { kind: 'recheck' } | undefined {
  if (!holder) return undefined;
  if (event === undefined) return { kind: 'recheck' };
  switch (event.kind) {
    case 'session_ended':
      return holder.kind === 'user' && event.project === projectId && holder.sessionId === event.sessionId ? { kind: 'revoke', reason: 'session_ended' } : undefined;
    case 'user_removed':
      return holder.kind === 'user' && event.project === projectId && holder.userId === event.userId ? { kind: 'revoke', reason: `user_${event.reason}` } : undefined;
    case 'user_changed':
      return holder.kind === 'user' && event.project === projectId && holder.userId === event.userId ? { kind: 'recheck' } : undefined;
    case 'key_revoked':
      return holder.kind === 'key' && event.project === projectId && holder.keyId === event.keyId ? { kind: 'revoke', reason: 'key_revoked' } : undefined;
    case 'admin_session_ended':
      return holder.kind === 'admin' && holder.adminId === event.adminId && (event.sessionId === undefined || event.sessionId === holder.sessionId)
        ? { kind: 'revoke', reason: 'admin_session_ended' }
        : undefined;
  }
}
