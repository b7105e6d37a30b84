/**
 * A client child of the realtime scenario: opens BENCH_RT_CLIENTS WebSockets
 * to BENCH_RT_URL (127.0.0.1 only), subscribes each to the `events`
 * collection, then on the parent's request reports when each connection
 * received a marked change (latency) or how many changes arrived (throughput).
 * Frames are not parsed: the client side must not be the bottleneck.
 */
import { createRequire } from 'node:module';
import type WebSocketModule from '../server/node_modules/@types/ws/index.js';

// `ws` as the server resolves it (bench/ is not a workspace package; ws is the server's test dependency).
const WebSocket: typeof WebSocketModule = createRequire(new URL('../server/package.json', import.meta.url))('ws');
type WebSocket = WebSocketModule;

type Command = { type: 'marker'; marker: string } | { type: 'count' } | { type: 'close' };

const url = process.env.BENCH_RT_URL ?? '';
const count = Number(process.env.BENCH_RT_CLIENTS ?? 0);
if (!url.startsWith('ws://127.0.0.1:')) throw new Error('BENCH_RT_URL must be ws://127.0.0.1:<port>/...');

const sockets: WebSocket[] = [];
let received = 0;
let lastAt = 0;
let marker: { needle: Buffer; times: number[] } | undefined;
const now = () => performance.timeOrigin + performance.now();

async function open(i: number): Promise<void> {
  // No UTF-8 check of what arrives: the clients share one core and must cost as little as they can.
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      socket.once('message', () => resolve()); // the subscription's ack
      socket.send(JSON.stringify({ op: 'subscribe', id: `s${i}`, collection: 'events' }));
    });
  });
  socket.on('message', (data: Buffer) => {
    received++;
    lastAt = now();
    if (marker && data.indexOf(marker.needle) >= 0) marker.times.push(lastAt);
  });
}

async function main(): Promise<void> {
  // A few hundred handshakes at a time: the server's accept queue is finite.
  for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => open(i + j)));
  process.send!({ type: 'ready' });
  process.on('message', async (command: Command) => {
    if (command.type === 'marker') {
      marker = { needle: Buffer.from(command.marker), times: [] };
      const deadline = Date.now() + 10_000;
      while (marker.times.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      process.send!({ type: 'marker', times: marker.times });
      marker = undefined;
    } else if (command.type === 'count') {
      process.send!({ type: 'count', received, lastAt });
    } else if (command.type === 'close') {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
