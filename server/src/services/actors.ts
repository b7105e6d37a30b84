import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { AdminsService } from './admins.ts';
import type { Actor } from './context.ts';
import { resolveKey } from './keys.ts';
import { authenticateAccessToken } from './auth/sessions.ts';
import type { SessionCache } from './auth/session-cache.ts';
import { authInfoOf } from './auth/users.ts';

/** What resolving a token needs of the instance: the admins, and the cache of checked access tokens. */
export interface TokenResolvers {
  admins: AdminsService;
  sessions: SessionCache;
}

/**
 * The one home of token resolution: who a bearer token makes its holder. An
 * admin session token (`adm_`), a project's secret key (`sk_`, the service
 * role; only on its own project), or a user access token (a JWT of the
 * project, whose session must still exist). `project` is undefined on
 * instance routes. A token that is present but not recognized is an
 * `invalid_token` (401), never a guest.
 */
export async function actorOfToken({ admins, sessions }: TokenResolvers, token: string, project: ProjectHandle | undefined): Promise<Actor> {
  if (token.startsWith('adm_')) {
    const admin = await admins.authenticate(token);
    if (!admin) throw new ApiError('invalid_token', 'the admin session is unknown or expired');
    return { kind: 'admin', id: admin.id, email: admin.email, sessionId: admin.sessionId };
  }
  if (token.startsWith('sk_')) {
    // A secret key is the service role of one project: on instance routes (/v1/admin/...) it is a
    // valid credential of the wrong kind (403), not a bad one (401).
    if (!project) throw new ApiError('forbidden', 'a secret key works only on its project\'s routes; use an admin token');
    const keyId = await resolveKey(project.db, token);
    if (!keyId) throw new ApiError('invalid_token', 'the secret key is not valid for this project');
    return { kind: 'service', keyId };
  }
  // Anything else is a user access token; it is only meaningful on its own project's routes.
  if (!project) throw new ApiError('invalid_token', 'a user access token works only on its project\'s routes');
  const cached = cachedUserActor(sessions, token, project);
  if (cached) return cached;
  // Before the read: an identity event while it runs makes the cache refuse what it found.
  const generation = sessions.begin();
  const { user, sessionId, expiresAt } = await authenticateAccessToken(project.db, project, token);
  // Frozen: every later request of this token shares the object.
  const identity = { user: deepFreeze(authInfoOf(user)), sessionId };
  sessions.set(generation, project, token, identity, expiresAt);
  return { kind: 'user', ...identity };
}

/**
 * The actor of a user access token the session cache already holds (checked,
 * unexpired, not revoked since), without a promise: the common case of a
 * signed-in app's requests, which the HTTP layer then answers synchronously.
 * Undefined for anything else (admin tokens, secret keys, unknown tokens):
 * `actorOfToken` decides those.
 */
export function cachedUserActor(sessions: SessionCache, token: string, project: ProjectHandle | undefined): Actor | undefined {
  if (!project || token.startsWith('adm_') || token.startsWith('sk_')) return undefined;
  const cached = sessions.get(project, token);
  return cached && { kind: 'user', user: cached.user, sessionId: cached.sessionId };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
