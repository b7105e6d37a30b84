import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from here so `--import tsx` resolves. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What a bench server child reports once it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  /** Scenario-specific data (e.g. the seeded record ids). */
  [key: string]: unknown;
}

export interface ChildHandle {
  name: string;
  pid: number;
  /** Base URL of the child's server: always http://127.0.0.1:<port>. */
  url: string;
  ready: ReadyMessage;
  /** Starts CPU-profiling the child (see lib/child.ts). */
  startProfile(): Promise<void>;
  /** Stops profiling and has the child write the .cpuprofile to `file`. */
  stopProfile(file: string): Promise<void>;
  /** Asks the child to exit (SIGTERM, so it removes its temp data), then kills it. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Script path relative to the repository root, run with `node --import tsx`. */
  script: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** How long seeding may take before the start counts as failed. */
  readyTimeoutMs?: number;
  /**
   * The child's stdout: 'ignore' (/dev/null, the default: baas logs every
   * request there at its default level, as it would to a user's terminal or
   * journal, without filling a disk) or 'inherit'. stderr is always inherited.
   */
  stdout?: 'ignore' | 'inherit';
  /** The core the child is pinned to (taskset -c); default the server core. */
  cpu?: string;
}

/**
 * The core every server child (and any baseline that does a server's work) is
 * pinned to; wrk runs on BENCH_LOAD_CPU (lib/wrk.ts). One core each keeps the
 * load generator from taking the server's CPU.
 */
export const serverCpu = process.env.BENCH_SERVER_CPU ?? '0';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a server child and waits for its `ready` message over IPC. */
export async function startChild(options: StartOptions): Promise<ChildHandle> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort: whatever happens to the parent, no child outlives it.
    process.on('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  // taskset execs node in place: the pid and the IPC channel are node's.
  const child = spawn('taskset', ['-c', options.cpu ?? serverCpu, process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: repoRoot,
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  exited.then(() => live.delete(child));

  const stop = once(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (await within(exited, 10_000)) return;
    child.kill('SIGKILL');
    await within(exited, 5_000);
  });

  try {
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.name}: not ready after ${options.readyTimeoutMs ?? 120_000} ms`)), options.readyTimeoutMs ?? 120_000);
      child.on('message', (m: { type?: string; message?: string }) => {
        if (m?.type === 'ready') {
          clearTimeout(timer);
          resolve(m as ReadyMessage);
        } else if (m?.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${options.name}: ${m.message}`));
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${signal ?? code}) before it was ready`));
      });
    });
    if (!Number.isInteger(ready.port) || ready.port <= 0) throw new Error(`${options.name}: bad port ${ready.port}`);
    return {
      name: options.name,
      pid: child.pid!,
      url: `http://127.0.0.1:${ready.port}`,
      ready,
      startProfile: () => ask(child, options.name, { type: 'profile-start' }, 'profile-started'),
      stopProfile: (file) => ask(child, options.name, { type: 'profile-stop', file }, 'profile-saved'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Stops every child still running (SIGINT, errors). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      child.kill('SIGTERM');
      const gone = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      if (!(await within(gone, 10_000))) child.kill('SIGKILL');
    }),
  );
}

/** Sends a message and waits (bounded) for the child's answer of type `reply`. */
function ask(child: ChildProcess, name: string, message: Record<string, unknown>, reply: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${name}: no '${reply}' within 30 s`)), 30_000);
    const onMessage = (m: { type?: string; error?: string }) => {
      if (m?.type === reply) done(m.error ? new Error(`${name}: ${m.error}`) : undefined);
    };
    const onExit = () => done(new Error(`${name} exited`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

/** Whether `p` settles within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([p.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** Linux clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system) a process has used so far, in ms (Linux /proc).
 * On a shared machine a server's CPU time per request moves far less than
 * its throughput, which the neighbours' load sets.
 */
export function cpuMsOf(pid: number): number {
  // The fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
