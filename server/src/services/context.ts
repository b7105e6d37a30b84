import type { AuthInfo } from '@baas/query';
import type { Database } from '../db/database.ts';
import type { ProjectHandle } from '../db/registry.ts';

/** The project of a call (its info, store and caches), as the registry opened it; routes name it through here. */
export type { ProjectHandle };

/** Who is calling, as the HTTP layer resolved it from the request. */
export type Actor =
  /** An instance admin; `sessionId` names the admin session the token belongs to. */
  | { kind: 'admin'; id: string; email: string; sessionId: string }
  | { kind: 'service'; keyId: string }
  /** A project user, from an access token; `sessionId` names the session the token belongs to. */
  | { kind: 'user'; user: AuthInfo; sessionId: string }
  | { kind: 'guest' };

/**
 * What every project-scoped service call gets: the project, the actor, and the
 * database handle to use (the project's store, or an open transaction).
 */
export interface ServiceContext {
  project: ProjectHandle;
  actor: Actor;
  db: Database;
}

/** Admins and the service role bypass rules. */
export function isPrivileged(actor: Actor): boolean {
  return actor.kind === 'admin' || actor.kind === 'service';
}

/** The caller as rules see it: null for guests and privileged callers without a user. */
export function authOf(actor: Actor): AuthInfo | null {
  return actor.kind === 'user' ? actor.user : null;
}

/** The same context inside a transaction. */
export function withDb(ctx: ServiceContext, db: Database): ServiceContext {
  return { ...ctx, db };
}
