import type { FastifyPluginAsync, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { ApiError } from '../../../errors.ts';
import { projectIdPattern } from '../../../ids.ts';
import { serviceContextOf, type Actor, type ProjectHandle, type ServiceContext } from '../../../services/context.ts';
import { actorOf, requireServiceRole } from '../../plugins/actor.ts';
import { bearerOptional, bearerRequired } from '../../openapi.ts';
import { projectId, type Routes } from '../../schemas.ts';
import { aggregateRoutes } from './aggregate.ts';
import { authRoutes } from './auth.ts';
import { authEmailRoutes } from './auth-email.ts';
import { authOAuthRoutes } from './auth-oauth.ts';
import { authOutboxRoutes } from './auth-outbox.ts';
import { authProviderRoutes } from './auth-providers.ts';
import { authSessionRoutes } from './auth-sessions.ts';
import { authSettingsRoutes } from './auth-settings.ts';
import { batchRoutes } from './batch.ts';
import { collectionRoutes } from './collections.ts';
import { keyRoutes } from './keys.ts';
import { realtimeRoutes } from './realtime.ts';
import { realtimeSettingsRoutes } from './realtime-settings.ts';
import { recordRoutes } from './records.ts';
import { schemaRoutes } from './schema.ts';
import { bucketRoutes } from './storage/buckets.ts';
import { objectRoutes } from './storage/objects.ts';
import { signRoutes } from './storage/sign.ts';
import { userRoutes } from './users.ts';
import { ruleTestRoutes } from './rules-test.ts';
import { userSessionRoutes } from './user-sessions.ts';
import { realtimeStatsRoutes } from './realtime-stats.ts';
import { authTestMailRoutes } from './auth-test-mail.ts';
import { authEmailTemplateRoutes } from './auth-email-templates.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** A project route's service context: the project of the URL, the actor and the instance's parts, built once by the scope's hook. */
    ctx: ServiceContext;
  }
}

/** The project's routes by prefix: where rules decide, and where only the service role may go. */
const ruled: Array<[Routes, string]> = [
  [recordRoutes, '/collections/:name/records'],
  [aggregateRoutes, '/collections/:name/aggregate'],
  [batchRoutes, '/batch'],
  [authRoutes, '/auth'],
  [authEmailRoutes, '/auth'],
  [authOAuthRoutes, '/auth'],
  [authSessionRoutes, '/auth'],
  [objectRoutes, '/storage/buckets/:bucket/objects'],
  [signRoutes, '/storage/buckets/:bucket/sign'],
  [realtimeRoutes, '/realtime'],
];
const serviceRoleOnly: Array<[Routes, string]> = [
  [collectionRoutes, '/collections'],
  [schemaRoutes, '/schema'],
  [keyRoutes, '/keys'],
  [userRoutes, '/users'],
  [bucketRoutes, '/storage/buckets'],
  [authSettingsRoutes, '/auth'],
  [authProviderRoutes, '/auth/providers'],
  [authOutboxRoutes, '/auth/outbox'],
  [realtimeSettingsRoutes, '/realtime/settings'],
  // What the dashboard needs beyond the app-facing API.
  [ruleTestRoutes, '/collections/:name/rules/test'],
  [userSessionRoutes, '/users/:id/sessions'],
  [realtimeStatsRoutes, '/realtime/stats'],
  [authTestMailRoutes, '/auth/test-mail'],
  [authEmailTemplateRoutes, '/auth/email-templates'],
];

/**
 * Everything under `/v1/projects/:project`, in one encapsulated scope. Its
 * hook resolves the project (404 `project_not_found`) and the actor once,
 * before any handler runs; an unknown route never reaches it, so it is a 404
 * whoever asks. Routes in the nested service-role scope answer 401/403 to
 * anyone but admins and the project's secret key.
 */
export const projectRoutes: FastifyPluginAsync = async (app) => {
  const services = app.baas;
  app.decorateRequest('ctx', null as never);
  app.addHook('onRoute', declareProjectParam);
  // A callback hook: one promise (the registry's) per request instead of an async
  // function's, and none more for a guest, whose actor is known synchronously.
  app.addHook('onRequest', (request, _reply, done) => {
    const id = (request.params as { project: string }).project;
    if (!projectIdPattern.test(id)) return done(projectNotFound(id));
    services.registry.get(id).then((project) => {
      if (!project) return done(projectNotFound(id));
      const actor = actorOf(request, services, project);
      // The one place a service context is made: every project route passes it on as it is.
      if (!(actor instanceof Promise)) return withContext(request, project, actor, done);
      actor.then((resolved) => withContext(request, project, resolved, done), done);
    }, done);
  });
  const withContext = (request: FastifyRequest, project: ProjectHandle, actor: Actor, done: HookHandlerDoneFunction) => {
    request.ctx = serviceContextOf(services, project, actor, request.log);
    done();
  };

  // Rules decide who may: users, guests and the service role alike.
  for (const [routes, prefix] of ruled) await app.register(routes, { prefix });
  await app.register(async (serviceRole) => {
    serviceRole.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: bearerRequired };
    });
    serviceRole.addHook('preHandler', async (request) => requireServiceRole(request.ctx.actor));
    for (const [routes, prefix] of serviceRoleOnly) await serviceRole.register(routes, { prefix });
  });
};

/**
 * Every route of the scope documents `:project`, so no route schema repeats
 * it, and takes a token or none unless it says otherwise (the service-role
 * scope requires one; sign-in routes say they take none).
 */
function declareProjectParam(route: RouteOptions): void {
  const schema = (route.schema ??= {}) as { params?: { type: 'object'; properties?: Record<string, unknown> }; security?: unknown };
  schema.params = { ...schema.params, type: 'object', properties: { project: projectId, ...schema.params?.properties } };
  schema.security ??= bearerOptional;
}

function projectNotFound(id: string): ApiError {
  return new ApiError('project_not_found', `no project '${id}'`);
}
