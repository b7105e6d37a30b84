/**
 * The baseline of the realtime scenario: a bare `ws` server (the package copy
 * baas runs on, no compression, like baas) on a plain node:http server, with
 * the routes the realtime clients and writer use. A subscribe is acked; a
 * POST of a record answers 201, then sends every subscriber the frame baas
 * would send for that create: `{"op":"change","sub":<its id>` plus one
 * suffix serialized once per write. No database, no rules, no change log:
 * the ceiling of a broadcast from one process. Run by bench/run.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type WebSocketModule from '../server/node_modules/@types/ws/index.js';
import { newId, nowIso } from '../server/src/ids.ts';
import { fail, onShutdown, ready, runAsChild } from './lib/child.ts';
import { PROJECT } from './lib/instance.ts';

const { WebSocketServer } = createRequire(new URL('../server/package.json', import.meta.url))('ws') as typeof WebSocketModule;

async function main(): Promise<void> {
  runAsChild();
  const subscribers = new Map<WebSocketModule, string>();
  let seq = 0;
  const records = `/v1/projects/${PROJECT}/collections/events/records`;

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== records) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const now = nowIso();
      const record = { id: newId(), created_at: now, updated_at: now, title: (JSON.parse(body) as { title?: string }).title ?? null };
      const json = JSON.stringify(record);
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end(json);
      // After the reply, as baas fans out after the commit that the reply waited for.
      const suffix = `,"action":"create","record":${json},"seq":${++seq}}`;
      setImmediate(() => {
        for (const [socket, prefix] of subscribers) socket.send(prefix + suffix);
      });
    });
  });
  // Fastify's keep-alive timeout (72 s), not node:http's 5 s: a writer's kept-alive connection must not be
  // closed under it while a long fan-out holds the event loop (a reset write, not a slow one).
  server.keepAliveTimeout = 72_000;
  const wss = new WebSocketServer({ server, path: `/v1/projects/${PROJECT}/realtime`, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { op?: string; id?: string };
      if (message.op !== 'subscribe') return;
      subscribers.set(socket, `{"op":"change","sub":${JSON.stringify(message.id)}`);
      socket.send(JSON.stringify({ op: 'ack', id: message.id, seq }));
    });
    socket.on('close', () => subscribers.delete(socket));
  });
  onShutdown(() => new Promise<void>((resolve) => {
    for (const socket of wss.clients) socket.terminate();
    wss.close(() => server.close(() => resolve()));
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ready((server.address() as AddressInfo).port, { project: PROJECT, collection: 'events' });
}

main().catch(fail);
