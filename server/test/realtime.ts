import WebSocket from 'ws';
import type { TestInstance } from './harness.ts';

/** A frame the server sent, parsed. */
export type Frame = Record<string, any>;

/**
 * A real WebSocket client of the realtime endpoint for tests: collects frames,
 * and lets a test wait for the next one matching a predicate.
 */
export class RealtimeClient {
  readonly frames: Frame[] = [];
  /** The close code and reason, once closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of this.waiters.splice(0)) wake();
    }));
  }

  /** Opens a connection to the instance's realtime endpoint (the app must be listening). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<RealtimeClient> {
    const socket = new WebSocket(url, { headers });
    const client = new RealtimeClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next frame (after those already taken) matching `match`; frames skipped on the way are kept for later calls. */
  async next(match: (frame: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        if (match(this.frames[i])) {
          const [frame] = this.frames.splice(i, 1);
          return frame;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a message with an id and waits for its ack or error. */
  async call(message: Record<string, unknown>): Promise<Frame> {
    this.send(message);
    return this.next((f) => (f.op === 'ack' || f.op === 'error') && f.id === message.id);
  }

  /** The change frames of a subscription received so far (taken). */
  takeChanges(sub: string): Frame[] {
    const taken = this.frames.filter((f) => f.op === 'change' && f.sub === sub);
    for (const frame of taken) this.frames.splice(this.frames.indexOf(frame), 1);
    return taken;
  }

  close(): void {
    this.socket.close();
  }
}

/** Starts listening on 127.0.0.1 (port 0) and answers the project's realtime URL. */
export async function listenRealtime(api: TestInstance): Promise<string> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a port');
  return `ws://127.0.0.1:${address.port}/v1/projects/${api.project}/realtime`;
}

/** Signs up a user; answers the user id and access token. */
export async function signUp(api: TestInstance, email: string): Promise<{ id: string; token: string }> {
  const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password: 'correct horse battery' } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.session.accessToken };
}

/** Waits a little: long enough for the server to have sent what it would send. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
