import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import type { ProjectHandle } from '../../db/registry.ts';
import type { Actor, ServiceContext } from '../../services/context.ts';
import { keysService } from '../../services/keys.ts';
import { authenticateAccessToken } from '../../services/auth/sessions.ts';
import { authInfoOf } from '../../services/auth/users.ts';
import { projectIdPattern } from '../../services/projects.ts';
import type { Services } from '../../services/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A sign-in route: a bad or expired bearer token makes the caller a guest instead of a 401. */
    ignoresBadToken?: boolean;
  }
  interface FastifyRequest {
    /** Who is calling: resolved from the Authorization header before any handler runs. */
    actor: Actor;
    /** The project of a `/v1/projects/:project/...` route. */
    project: ProjectHandle | null;
  }
}

/**
 * Resolves the project of the URL (404 when unknown) and the actor of the
 * request: an admin session token, a project's secret key, a user access
 * token (JWT), or a guest.
 * A token that is present but not recognized is a 401, never a guest.
 */
export function registerActor(app: FastifyInstance, services: Services): void {
  app.decorateRequest('actor', null as never);
  app.decorateRequest('project', null);
  app.addHook('onRequest', async (request) => {
    // An unknown route is a 404 whoever asks; judging its token first would answer 401/403 instead.
    if (request.is404) {
      request.actor = { kind: 'guest' };
      return;
    }
    // Only project routes act inside a project. /v1/admin/projects/:project names one too, but
    // must answer 401/403 to non-admins before anything about that project (not even whether it exists).
    const projectId = request.routeOptions.url?.startsWith('/v1/projects/:project') ? (request.params as { project?: string }).project : undefined;
    if (projectId !== undefined) {
      const project = projectIdPattern.test(projectId) ? await services.registry.get(projectId) : undefined;
      if (!project) throw new ApiError('project_not_found', `no project '${projectId}'`);
      request.project = project;
    }
    try {
      request.actor = await resolveActor(request, services);
    } catch (err) {
      // Sign-in routes (refresh, login...) do not act as the caller: a stale access token a client
      // sends out of habit must not stop it from getting a fresh one.
      const stale = err instanceof ApiError && (err.code === 'invalid_token' || err.code === 'token_expired');
      if (!stale || !request.routeOptions.config?.ignoresBadToken) throw err;
      request.actor = { kind: 'guest' };
    }
  });
}

/** The token of an `Authorization: Bearer <token>` header; undefined when the header has another form or is absent. */
export function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

async function resolveActor(request: FastifyRequest, services: Services): Promise<Actor> {
  if (!request.headers.authorization) return { kind: 'guest' };
  const token = bearerToken(request);
  if (token === undefined) throw new ApiError('invalid_token', 'the Authorization header must be "Bearer <token>"');
  if (token.startsWith('adm_')) {
    const admin = await services.admins.authenticate(token);
    if (!admin) throw new ApiError('invalid_token', 'the admin session is unknown or expired');
    return { kind: 'admin', id: admin.id, email: admin.email };
  }
  if (token.startsWith('sk_')) {
    // A secret key is the service role of one project: on instance routes (/v1/admin/...) it is a
    // valid credential of the wrong kind (403), not a bad one (401).
    if (!request.project) throw new ApiError('forbidden', 'a secret key works only on its project\'s routes; use an admin token');
    const keyId = await keysService.resolve(request.project.db, token);
    if (!keyId) throw new ApiError('invalid_token', 'the secret key is not valid for this project');
    return { kind: 'service', keyId };
  }
  // Anything else is a user access token; it is only meaningful on its own project's routes.
  if (!request.project) throw new ApiError('invalid_token', 'a user access token works only on its project\'s routes');
  const { user, sessionId } = await authenticateAccessToken(request.project.db, request.project, token);
  return { kind: 'user', user: authInfoOf(user), sessionId };
}

/** The service context of a project route. */
export function contextOf(request: FastifyRequest): ServiceContext {
  const project = request.project;
  if (!project) throw new Error('contextOf used on a route without :project');
  return { project, actor: request.actor, db: project.db };
}

/** 401 for guests, 403 for anyone but an instance admin. */
export function requireAdmin(request: FastifyRequest): void {
  if (request.actor.kind === 'admin') return;
  throw request.actor.kind === 'guest'
    ? new ApiError('unauthorized', 'sign in as an instance admin')
    : new ApiError('forbidden', 'only instance admins may do this');
}

/** 401 for guests, 403 for users: admins and the project's service role only. */
export function requireServiceRole(request: FastifyRequest): void {
  if (request.actor.kind === 'admin' || request.actor.kind === 'service') return;
  throw request.actor.kind === 'guest'
    ? new ApiError('unauthorized', 'use the project secret key or an admin token')
    : new ApiError('forbidden', 'only the service role may do this');
}
