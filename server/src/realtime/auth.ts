import { decodeJwt } from 'jose';
import type { ProjectHandle } from '../db/registry.ts';
import type { IdentityEvent } from '../services/identity-events.ts';
import type { Services } from '../services/index.ts';
import type { Actor } from '../services/context.ts';
import { actorOfToken } from '../services/actors.ts';
import { guestViewer, privilegedViewer, userViewer, type Viewer } from './judge.ts';

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
 * Resolves the token of an `auth` message as the HTTP actor plugin does (one
 * home: actorOfToken): an admin token or a secret key (rules do not apply), or
 * a user access token (checked against its session, which must still exist).
 * ApiError `invalid_token` / `token_expired` otherwise.
 */
export async function authenticate(services: Services, project: ProjectHandle, token: string): Promise<Identity> {
  return identityOfActor(await actorOfToken(services.admins, token, project), token);
}

/** The identity of an actor and its bearer token (a Node client may send `Authorization` on the upgrade; browsers use `auth`). */
export function identityOfActor(actor: Actor, token: string | undefined): Identity {
  switch (actor.kind) {
    case 'admin':
      return { viewer: privilegedViewer, holder: { kind: 'admin', adminId: actor.id, sessionId: actor.sessionId }, token };
    case 'service':
      return { viewer: privilegedViewer, holder: { kind: 'key', keyId: actor.keyId }, token };
    case 'guest':
      return { viewer: guestViewer };
    case 'user': {
      const exp = token ? decodeJwt(token).exp : undefined;
      return {
        viewer: userViewer(actor.user),
        holder: { kind: 'user', userId: actor.user.id, sessionId: actor.sessionId },
        token,
        expiresAt: exp === undefined ? undefined : exp * 1000,
      };
    }
  }
}

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
