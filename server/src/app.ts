import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import pino from 'pino';
import type { Config } from './config.ts';
import { version } from './version.ts';
import { ApiError } from './errors.ts';
import { openServices, type Services } from './services/index.ts';
import { registerErrorHandling } from './http/plugins/errors.ts';
import { registerRateLimits } from './http/plugins/rate-limits.ts';
import { registerCors } from './http/plugins/cors.ts';
import { registerJsonBody } from './http/plugins/json-body.ts';
import { OneLineLogController, logSerializers, registerRequestLog, requestIdGenerator } from './http/plugins/observe.ts';
import { sharedSchemas } from './http/schemas.ts';
import { swaggerOptions } from './http/openapi.ts';
import { healthRoutes } from './http/routes/health.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { adminRoutes } from './http/routes/admin/index.ts';
import { startBackupSchedule } from './services/backup-schedule.ts';
import { projectRoutes } from './http/routes/projects/index.ts';
import { registerWebsocket } from './http/routes/projects/realtime.ts';
import { dashboardRoutes } from './http/routes/dashboard.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The instance's services, for tests and the CLI. */
    baas: Services;
  }
}

export { version };

/** How the app is built beyond its config. */
export interface BuildOptions {
  /** Where log lines go instead of stdout (tests capture them). */
  logStream?: { write(line: string): void };
}

/**
 * Builds the baas HTTP app without listening: tests drive it with
 * `app.inject`, `baas serve` calls `listen`. Closing the app closes the stores.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const services = await openServices(config);
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      serializers: logSerializers,
      // Asynchronous stdout: lines written while a write is in flight go out together in one
      // write(2), instead of one blocking write per request (most of a log line's cost under load).
      // pino flushes what is left when the process exits. maxWrite: sonic-boom appends each
      // line to its last pending chunk and measures that chunk's byte length on every write
      // (flattening the concatenated string): chunks of 4 KiB instead of 16 KiB make that
      // a quarter of the cost (2.4% of a records get's CPU at 16 KiB); write(2) calls stay few.
      stream: options.logStream ?? pino.destination({ dest: 1, sync: false, maxWrite: 4096 }),
    },
    logController: new OneLineLogController(),
    genReqId: requestIdGenerator(config.trustProxy),
    bodyLimit: config.bodyLimit,
    // Idle sockets are dropped: a multipart body cut off before its closing
    // delimiter would otherwise hold its request (and a graceful stop) forever.
    connectionTimeout: config.bodyIdleTimeoutSeconds * 1000,
    trustProxy: config.trustProxy,
    // Malformed percent-encoding fails before routing; answer it in our envelope, not Fastify's.
    frameworkErrors: (err, request, reply) => {
      const error = err.code === 'FST_ERR_BAD_URL'
        ? new ApiError('invalid_path', 'the URL path has malformed percent-encoding')
        : new ApiError('validation_failed', err.message);
      (reply as unknown as FastifyReply).header('x-request-id', request.id).status(error.status).send(error.toEnvelope());
    },
    // Requests Node's HTTP parser refuses before Fastify sees them (a URL or
    // headers over the size limit: 431; raw non-ASCII or control bytes in the
    // request line: 400) get the error envelope too, not Fastify's own shape.
    clientErrorHandler: (err: NodeJS.ErrnoException & { bytesParsed?: number }, socket) => {
      if (!socket.writable) return socket.destroy();
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const error = tooLarge
        ? new ApiError('headers_too_large', 'the URL or the request headers are too large')
        : new ApiError('validation_failed', 'the request is not valid HTTP (bytes outside ASCII in the request line, or a malformed header)');
      const body = JSON.stringify(error.toEnvelope());
      socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    },
    ajv: {
      // Strict input: unknown properties are errors (not silently dropped); query strings still coerce.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allowUnionTypes: true },
    },
  });
  app.decorate('baas', services);
  app.addHook('onClose', async () => services.close());

  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, swaggerOptions);

  services.requestLog.onError = (err) => app.log.error({ err }, 'request log write failed');
  registerRequestLog(app, [services.metrics.request, services.requestLog.record]);
  registerErrorHandling(app);
  registerJsonBody(app);
  await registerCors(app, config);
  if (config.rateLimits) await registerRateLimits(app);
  await registerWebsocket(app);
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(adminRoutes, { prefix: '/v1/admin' });
  if (config.backupSchedule) {
    const schedule = startBackupSchedule(services, app.log);
    app.addHook('onClose', async () => schedule.stop());
  }
  await app.register(projectRoutes, { prefix: '/v1/projects/:project' });
  await dashboardRoutes(app);
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
