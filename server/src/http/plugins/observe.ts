import { randomUUID } from 'node:crypto';
import type { RequestOutcome } from '../../metrics.ts';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { redactUrl } from '../redact.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called, once a route resolved it (guest, user, service, admin); unset = no route looked. */
    actorKind: string | null;
    /** The error a 5xx reply answered, for the request's one log line. */
    failure: unknown;
    /** The project the request was for, once its route found it (never an unchecked name: it labels metrics). */
    projectId: string | null;
  }
}

export type { RequestOutcome };

/** Listeners of finished requests (metrics, the request log); called after the log line. */
export type OutcomeListener = (outcome: RequestOutcome) => void;

const incomingId = /^[\w.:@/+=-]{1,128}$/;

/**
 * Fastify's `genReqId`: a fresh UUID, or the caller's `x-request-id` when it
 * came through a trusted proxy (`trustProxy`), so one id follows a request
 * across the proxy's logs and ours. From anyone else it is ignored: a client
 * must not choose the id an operator greps for.
 */
export function requestIdGenerator(trustProxy: Config['trustProxy']): (req: IncomingMessage) => string {
  const trusted = trustedPeer(trustProxy);
  return (req) => {
    const header = req.headers['x-request-id'];
    if (typeof header === 'string' && incomingId.test(header) && trusted(req.socket?.remoteAddress)) return header;
    return randomUUID();
  };
}

function trustedPeer(trustProxy: Config['trustProxy']): (address: string | undefined) => boolean {
  if (typeof trustProxy === 'boolean') return () => trustProxy;
  const list = new BlockList();
  for (const entry of trustProxy.split(',')) {
    const [address, bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    if (!address) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return v4 ? list.check(v4, 'ipv4') : list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Fastify's own per-request lines (incoming, completed, not found, handled
 * errors) are off: `registerRequestLog` writes the one line per request
 * instead. A client that goes away in the middle of a streamed reply (a
 * video player's range requests do, all the time) is expected, so it is a
 * debug line, not info.
 */
export class OneLineLogController extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(): void {}
  override defaultErrorLog(): void {}
  override routeNotFound(): void {}
  override streamError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') reply.log.debug({ url: redactUrl(request.url) }, 'client closed the stream early');
    else reply.log.warn({ err: error, url: redactUrl(request.url) }, 'response terminated with an error with headers already sent');
  }
}

/** The `req` serializer of every log line that names a request: no headers, the query redacted. */
export const logSerializers = {
  req: (req: { method?: string; url?: string; id?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url ?? '') }),
};

/**
 * Every reply carries `x-request-id`; every request ends in one log line
 * (id, method, route pattern, status, duration, project, actor kind; 5xx at
 * error level with the error), then goes to the outcome listeners.
 */
export function registerRequestLog(app: FastifyInstance, listeners: OutcomeListener[] = []): void {
  app.decorateRequest('actorKind', null);
  app.decorateRequest('failure', null);
  app.decorateRequest('projectId', null);
  // Callback hooks, not async ones: they do no I/O, and an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    // Two literals, not one object and a rest copy without `id`: object rest
    // (`{ id, ...line }`) is a runtime call in V8, about four times the two literals.
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      url: redactUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      project: request.projectId,
      actor: request.actorKind ?? 'guest',
    };
    if (line.status >= 500) request.log.error({ ...line, err: request.failure ?? undefined }, 'request');
    else request.log.info(line, 'request');
    if (listeners.length > 0) {
      const outcome: RequestOutcome = {
        id: request.id, method: line.method, route: line.route, url: line.url, status: line.status, ms: line.ms, project: line.project, actor: line.actor,
      };
      for (let i = 0; i < listeners.length; i++) listeners[i](outcome);
    }
    done();
  });
}
