import type { FastifyPluginAsync } from 'fastify';
import type { Actor } from '../../../services/context.ts';
import { actorOf, requireAdmin } from '../../plugins/actor.ts';
import { adminAdminRoutes } from './admins.ts';
import { adminBackupRoutes } from './backups.ts';
import { adminLoginRoutes } from './auth.ts';
import { adminProjectRoutes } from './projects.ts';
import { adminRequestLogRoutes } from './request-log.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** An instance route's caller: resolved once by the admin scope's hook. */
    actor: Actor;
  }
}

/**
 * Everything under `/v1/admin`, in one encapsulated scope: its hook resolves
 * the caller (no project: a secret key is a 403 here, a user token a 401),
 * and every route but the login sits in the nested admins-only scope.
 * `/admin/projects/:project` never looks the project up before the caller
 * proved to be an admin, so nobody else learns whether it exists.
 */
export const adminRoutes: FastifyPluginAsync = async (app) => {
  app.decorateRequest('actor', null as never);
  app.addHook('onRequest', async (request) => {
    request.actor = await actorOf(request, app.baas);
  });
  await app.register(adminLoginRoutes, { prefix: '/auth/login' });
  await app.register(async (admins) => {
    admins.addHook('preHandler', async (request) => requireAdmin(request.actor));
    await admins.register(adminAdminRoutes);
    await admins.register(adminProjectRoutes, { prefix: '/projects' });
    await admins.register(adminBackupRoutes, { prefix: '/backups' });
    await admins.register(adminRequestLogRoutes, { prefix: '/request-log' });
  });
};
