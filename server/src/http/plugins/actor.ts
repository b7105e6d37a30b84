import type { FastifyRequest } from 'fastify';
import type { AuthInfo } from '@baas/query';
import { ApiError } from '../../errors.ts';
import type { Actor, ProjectHandle } from '../../services/context.ts';
import type { Services } from '../../services/index.ts';
import { actorOfToken, cachedUserActor } from '../../services/actors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A sign-in route: a bad or expired bearer token makes the caller a guest instead of a 401. */
    ignoresBadToken?: boolean;
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined when the header has another form or is absent. */
export function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** The actor of every request without an Authorization header: one object, frozen, shared by all of them. */
const guest: Actor = Object.freeze({ kind: 'guest' });

/**
 * The actor of a request, from its Authorization header: a guest without
 * one; else whoever the token makes the caller (services/actors.ts). A
 * malformed header is a 401, and so is a token that is not recognized,
 * except on sign-in routes (`config.ignoresBadToken`), where a stale token a
 * client sends out of habit must not stop it from getting a fresh one.
 * A guest, and a user whose token the session cache holds, are answered
 * synchronously (no promise): that is most of an app's traffic, and the
 * project scope's hook then finishes without one.
 */
export function actorOf(request: FastifyRequest, services: Services, project?: ProjectHandle): Actor | Promise<Actor> {
  if (project) request.projectId = project.id; // for the request's log line and metrics
  if (!request.headers.authorization) {
    request.actorKind = 'guest';
    return guest;
  }
  const token = bearerToken(request);
  const cached = token === undefined ? undefined : cachedUserActor(services.sessions, token, project);
  if (cached) {
    request.actorKind = 'user';
    return cached;
  }
  return resolveToken(request, token, services, project).then((actor) => {
    request.actorKind = actor.kind;
    return actor;
  });
}

async function resolveToken(request: FastifyRequest, token: string | undefined, services: Services, project?: ProjectHandle): Promise<Actor> {
  if (token === undefined) throw new ApiError('invalid_token', 'the Authorization header must be "Bearer <token>"');
  try {
    return await actorOfToken(services, token, project);
  } catch (err) {
    const stale = err instanceof ApiError && (err.code === 'invalid_token' || err.code === 'token_expired');
    if (!stale || !request.routeOptions.config?.ignoresBadToken) throw err;
    return guest;
  }
}

/** 401 for guests, 403 for anyone but an instance admin. */
export function requireAdmin(actor: Actor): void {
  if (actor.kind === 'admin') return;
  throw actor.kind === 'guest'
    ? new ApiError('unauthorized', 'sign in as an instance admin')
    : new ApiError('forbidden', 'only instance admins may do this');
}

/** 401 for guests, 403 for users: admins and the project's service role only. */
export function requireServiceRole(actor: Actor): void {
  if (actor.kind === 'admin' || actor.kind === 'service') return;
  throw actor.kind === 'guest'
    ? new ApiError('unauthorized', 'use the project secret key or an admin token')
    : new ApiError('forbidden', 'only the service role may do this');
}

/** The signed-in user: 401 for guests, 403 for the service role and admins (they have no user). */
export function requireUser(actor: Actor): { user: AuthInfo; sessionId: string } {
  if (actor.kind === 'user') return actor;
  throw actor.kind === 'guest'
    ? new ApiError('unauthorized', 'sign in: send a user access token')
    : new ApiError('forbidden', 'this route acts as a signed-in user; the service role has none');
}

/** Where a sign-in comes from, kept with the session for the user's session list. */
export function sessionMetaOf(request: FastifyRequest): { userAgent?: string; ip?: string } {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}
