import type { AuthSessionInfo, AuthUser } from '@baas/protocol';
import { ApiError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { listSessions, revokeSession, revokeUserSessions } from './sessions.ts';
import { createUser, deleteUser, getUser, publicUser, updateUser, type NewUser, type UserPatch } from './users.ts';

// The service role's management of a project's users and their sessions
// (`/users`; the routes let only the service role in). users.ts and
// sessions.ts hold the store-level work, which also runs inside other flows'
// transactions; these are the calls a route makes, on the request's context.

const noUser = (id: string) => new ApiError('user_not_found', `no user '${id}'`);

/** Creates a user as given (the password policy applies); 409 when the email is taken. */
export async function addUser(ctx: ServiceContext, input: NewUser): Promise<AuthUser> {
  return publicUser(await createUser(ctx.db, input));
}

/** The user, or 404 `user_not_found`. */
export async function userById(ctx: ServiceContext, id: string): Promise<AuthUser> {
  const user = await getUser(ctx.db, id);
  if (!user) throw noUser(id);
  return publicUser(user);
}

/** Changes a user; `disabled: true` also ends all their sessions. */
export async function changeUser(ctx: ServiceContext, id: string, patch: UserPatch): Promise<AuthUser> {
  return publicUser(await updateUser(ctx.db, id, patch));
}

/** Deletes a user with their sessions, or 404. */
export async function removeUser(ctx: ServiceContext, id: string): Promise<void> {
  if (!(await deleteUser(ctx.db, id))) throw noUser(id);
}

/** A user's unexpired sessions, newest first; 404 for an unknown user. */
export async function sessionsOfUser(ctx: ServiceContext, id: string): Promise<AuthSessionInfo[]> {
  if (!(await getUser(ctx.db, id))) throw noUser(id);
  return listSessions(ctx.db, id);
}

/** Ends all of a user's sessions; answers how many. 404 for an unknown user. */
export async function endSessionsOfUser(ctx: ServiceContext, id: string): Promise<number> {
  if (!(await getUser(ctx.db, id))) throw noUser(id);
  return revokeUserSessions(ctx.db, id);
}

/** Ends one session of a user, or 404 `session_not_found`. */
export async function endSessionOfUser(ctx: ServiceContext, id: string, sessionId: string): Promise<void> {
  if (!(await revokeSession(ctx.db, id, sessionId))) throw new ApiError('session_not_found', `no session '${sessionId}' of user '${id}'`);
}
