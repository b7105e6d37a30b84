/**
 * The child side of a bench server: report readiness to the parent over IPC,
 * shut down cleanly (SIGTERM/SIGINT, or the parent going away) so temp data
 * is removed, and CPU-profile itself on request (only while a measurement
 * runs, so a profile shows the measured work and nothing else).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Session } from 'node:inspector/promises';

const cleanups: Array<() => unknown> = [];
let shuttingDown = false;

/** Registers work to do on shutdown (last registered runs first). */
export function onShutdown(fn: () => unknown): void {
  cleanups.unshift(fn);
}

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(code || 1), 8_000).unref();
  for (const fn of cleanups) {
    try {
      await fn();
    } catch (err) {
      console.error('bench child cleanup failed:', err);
    }
  }
  process.exit(code);
}

/** Installs the signal handlers; call first. */
export function runAsChild(): void {
  if (!process.send) throw new Error('a bench server runs as a child of bench/run.ts (needs an IPC channel)');
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  process.on('disconnect', () => void shutdown(0));
  process.on('message', (m: { type?: string; file?: string }) => {
    if (m?.type === 'profile-start') void answer('profile-started', startProfile);
    else if (m?.type === 'profile-stop' && typeof m.file === 'string') void answer('profile-saved', () => stopProfile(m.file!));
  });
}

let session: Session | undefined;

async function startProfile(): Promise<void> {
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
  }
  await session.post('Profiler.start');
}

async function stopProfile(file: string): Promise<void> {
  if (!session) throw new Error('no profile running');
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
}

async function answer(type: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    process.send?.({ type });
  } catch (err) {
    process.send?.({ type, error: String(err) });
  }
}

export function ready(port: number, data: Record<string, unknown> = {}): void {
  process.send!({ ...data, type: 'ready', port });
}

/** Reports a startup failure to the parent and exits. */
export function fail(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send?.({ type: 'error', message });
  void shutdown(1);
}
