import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import type { Config } from './config.ts';
import { ApiError } from './errors.ts';
import { openServices, type Services } from './services/index.ts';
import { registerErrorHandling } from './http/plugins/errors.ts';
import { registerActor } from './http/plugins/actor.ts';
import { registerRateLimits } from './http/plugins/rate-limits.ts';
import { registerCors } from './http/plugins/cors.ts';
import { sharedSchemas } from './http/schemas.ts';
import { healthRoutes } from './http/routes/health.ts';
import { adminAuthRoutes } from './http/routes/admin/auth.ts';
import { adminProjectRoutes } from './http/routes/admin/projects.ts';
import { adminAdminRoutes } from './http/routes/admin/admins.ts';
import { collectionRoutes } from './http/routes/projects/collections.ts';
import { recordRoutes } from './http/routes/projects/records.ts';
import { batchRoutes } from './http/routes/projects/batch.ts';
import { keyRoutes } from './http/routes/projects/keys.ts';
import { storageRoutes } from './http/routes/projects/storage/index.ts';
import { authOAuthRoutes } from './http/routes/projects/auth-oauth.ts';
import { authEmailRoutes } from './http/routes/projects/auth-email.ts';
import { authRoutes } from './http/routes/projects/auth.ts';
import { authSessionRoutes } from './http/routes/projects/auth-sessions.ts';
import { userRoutes } from './http/routes/projects/users.ts';
import { realtimeRoutes, registerWebsocket } from './http/routes/projects/realtime.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The instance's services, for tests and the CLI. */
    baas: Services;
  }
}

export const version = '0.1.0';

/**
 * Builds the baas HTTP app without listening: tests drive it with
 * `app.inject`, `baas serve` calls `listen`. Closing the app closes the stores.
 */
export async function buildApp(config: Config): Promise<FastifyInstance> {
  const services = await openServices(config);
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Malformed percent-encoding fails before routing; answer it in our envelope, not Fastify's.
    frameworkErrors: (err, _request, reply) => {
      const error = err.code === 'FST_ERR_BAD_URL'
        ? new ApiError('invalid_path', 'the URL path has malformed percent-encoding')
        : new ApiError('validation_failed', err.message);
      (reply as unknown as FastifyReply).status(error.status).send(error.toEnvelope());
    },
    ajv: {
      // Strict input: unknown properties are errors (not silently dropped); query strings still coerce.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allowUnionTypes: true },
    },
  });
  app.decorate('baas', services);
  app.addHook('onClose', async () => services.close());

  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'baas API', version, description: 'Collections with rules, auth, storage and realtime, for many projects.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an admin token (adm_...), a project secret key (sk_...), or a user access token' },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  registerErrorHandling(app);
  await registerCors(app, config);
  if (config.rateLimits) await registerRateLimits(app);
  await registerWebsocket(app);
  registerActor(app, services);
  healthRoutes(app, services);
  adminAuthRoutes(app, services);
  adminProjectRoutes(app, services);
  adminAdminRoutes(app, services);
  collectionRoutes(app);
  recordRoutes(app);
  batchRoutes(app);
  keyRoutes(app);
  await storageRoutes(app, services);
  authOAuthRoutes(app);
  authEmailRoutes(app, services);
  authRoutes(app);
  authSessionRoutes(app);
  userRoutes(app);
  await realtimeRoutes(app, services);
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
