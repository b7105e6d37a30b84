/**
 * The `identity` topic of the instance bus: its messages, how one is sent
 * (services, when a credential ends) and how they are heard (realtime, whose
 * open sockets hold identities). It lives with the bus, below both.
 */
import type { Database } from './database.ts';
import type { InstanceBus } from './bus.ts';

/**
 * What identity lost (or changed) its access. Realtime connections hold an
 * identity for as long as the socket lives; these events are how they learn
 * that it ended. `project` is the store's (none for admin sessions, which
 * live in the instance store).
 */
export type IdentityEvent =
  /** A user's session ended: logout, revoked, a reused refresh token, a password change or reset, a proof of address. */
  | { kind: 'session_ended'; project?: string; userId: string; sessionId: string }
  /** A user was disabled or deleted: every identity of theirs ends. */
  | { kind: 'user_removed'; project?: string; userId: string; reason: 'disabled' | 'deleted' }
  /** What rules read of a user (`auth.*`: role, email, verified, anonymous, data) changed: read them again. */
  | { kind: 'user_changed'; project?: string; userId: string }
  /** A secret key (`sk_`) was revoked. */
  | { kind: 'key_revoked'; project?: string; keyId: string }
  /** An admin session ended (logout); without `sessionId`, every session of the admin (deleted, password reset). */
  | { kind: 'admin_session_ended'; adminId: string; sessionId?: string };

/**
 * The one way an identity event is sent: on the instance bus's `identity`
 * topic through the store that was written, so it goes out when that write
 * commits (never after a rollback) and reaches every process of the instance.
 * Events are small (ids only): a listener that needs the new state reads it.
 */
export function publishIdentityEvent(db: Database, event: IdentityEvent): Promise<void> {
  return db.publish('identity', JSON.stringify(event.kind === 'admin_session_ended' ? event : { ...event, project: db.project }));
}

/**
 * Listens to the identity events of the instance (or, given the stores'
 * commit feed, of this process's commits). `undefined` = the bus may have
 * lost messages: every identity held must be checked again.
 */
export function subscribeIdentityEvents(bus: Pick<InstanceBus, 'subscribe'>, listener: (event: IdentityEvent | undefined) => void): () => void {
  return bus.subscribe('identity', (payload) => listener(payload === undefined ? undefined : (JSON.parse(payload) as IdentityEvent)));
}
