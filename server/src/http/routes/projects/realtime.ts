import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { MAX_FRAME_BYTES } from '../../../realtime/index.ts';
import { identityOfActor } from '../../../services/realtime.ts';
import { bearerToken } from '../../plugins/actor.ts';
import type { Routes } from '../../schemas.ts';

/**
 * The WebSocket plugin. Registered before the project scope: its own
 * onRequest hook must run on every upgrade, or an upgrade the scope's hook
 * refuses (an unknown project, a bad token) leaves its socket open and
 * `close()` hangs. The realtime service itself is the services' (openServices).
 */
export async function registerWebsocket(app: FastifyInstance): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const { realtime } = app.baas;
  realtime.log = app.log;
  // preClose: before the stores close and before the WebSocket plugin drops the sockets unannounced.
  app.addHook('preClose', async () => realtime.close());
}

/**
 * `GET /realtime`: the WebSocket of the realtime protocol (the project and an
 * `Authorization` header, if any, are resolved like any request's; the `auth`
 * message does it inside the socket).
 */
export const realtimeRoutes: Routes = async (app) => {
  app.get('', { websocket: true, schema: { tags: ['realtime'], summary: 'The realtime WebSocket (see the API reference)' } }, (socket, request) => {
    const identity = identityOfActor(request.ctx.actor, bearerToken(request));
    app.baas.realtime.accept(socket, request.ctx.project, identity).catch((err) => {
      request.log.error({ err }, 'realtime connection failed');
      socket.close(1011, 'internal error');
    });
  });
};
