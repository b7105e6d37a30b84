import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { RealtimeSettings } from '@baas/protocol';
import type { Services } from '../../../services/index.ts';
import { identityOfActor } from '../../../realtime/auth.ts';
import { MAX_FRAME_BYTES, RealtimeService } from '../../../realtime/index.ts';
import { getRealtimeSettings, setRealtimeSettings } from '../../../realtime/settings.ts';
import { bearerToken, requireServiceRole } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Realtime connections, hubs and change-log retention of this instance. */
    realtime: RealtimeService;
  }
}

const settingsSchema = {
  type: 'object',
  properties: { channelRule: { type: ['string', 'null'], maxLength: 4096 } },
  required: ['channelRule'],
  additionalProperties: false,
} as const;

/**
 * The WebSocket plugin. Registered before the actor hook: its own onRequest
 * hook must run on every upgrade, or an upgrade the actor hook refuses (an
 * unknown project, a bad token) leaves its socket open and `close()` hangs.
 */
export async function registerWebsocket(app: FastifyInstance): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
}

/**
 * `GET /v1/projects/:project/realtime`: the WebSocket of the realtime
 * protocol (the project and an `Authorization` header, if any, are resolved
 * like any request's; the `auth` message does it inside the socket). And the
 * service role's `GET|PUT /realtime/settings` (the channel rule).
 */
export async function realtimeRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const realtime = new RealtimeService(services, app.log);
  app.decorate('realtime', realtime);
  // preClose: before the stores close and before the WebSocket plugin drops the sockets unannounced.
  app.addHook('preClose', async () => realtime.close());
  const params = { type: 'object', properties: { project: projectId } } as const;

  app.get('/v1/projects/:project/realtime', { websocket: true, schema: { tags: ['realtime'], summary: 'The realtime WebSocket (see the API reference)', params } }, (socket, request) => {
    const identity = identityOfActor(request.actor, bearerToken(request));
    realtime.accept(socket, request.project!, identity).catch((err) => {
      request.log.error({ err }, 'realtime connection failed');
      socket.close(1011, 'internal error');
    });
  });

  const guard = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };
  app.get(`/v1/projects/:project/realtime/settings`, {
    ...guard,
    schema: { tags: ['realtime'], summary: 'The realtime settings (channel rule)', params, response: { 200: settingsSchema, ...errors(401, 403, 404) } },
    handler: async (request) => getRealtimeSettings(request.project!.db),
  });
  app.put<{ Body: RealtimeSettings }>(`/v1/projects/:project/realtime/settings`, {
    ...guard,
    schema: { tags: ['realtime'], summary: 'Set the realtime settings (channel rule)', params, body: settingsSchema, response: { 200: settingsSchema, ...errors(400, 401, 403, 404) } },
    handler: async (request) => setRealtimeSettings(request.project!.db, request.body),
  });
}
