import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Io } from '../src/io.ts';

/** The real `baas` entry: the JS shim that runs bin.ts through tsx. */
export const bin = fileURLToPath(new URL('../bin/baas.js', import.meta.url));

/** An environment for a spawned CLI: its own config home, quiet logs, no credentials from the caller. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: `${home}/.config`, BAAS_LOG_LEVEL: 'warn', ...extra };
  for (const name of ['NODE_OPTIONS', 'BAAS_TOKEN', 'BAAS_KEY', 'BAAS_URL', 'BAAS_ADMIN_EMAIL', 'BAAS_ADMIN_PASSWORD', 'BAAS_PROJECT', 'BAAS_PORT', 'BAAS_HOST', 'BAAS_DATA_DIR', 'BAAS_DATABASE_URL']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** What a finished CLI run left behind. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node cli/bin/baas.js ...args` to completion (stdin closed: not a TTY). */
export function runBaas(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** A `baas serve --json` in the background, once it has printed its URL. */
export interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `baas serve ...args --json` and waits for the URL it prints and for /v1/health. */
export async function startServe(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Server> {
  const child = spawn(process.execPath, [bin, 'serve', ...args, '--json'], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      try {
        const { url } = JSON.parse(stdout) as { url: string };
        clearTimeout(timer);
        resolve(url);
      } catch {
        // not complete yet
      }
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const health = await fetch(`${url}/v1/health`);
  if (!health.ok) throw new Error(`health check failed: ${health.status}`);
  return {
    child,
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** An `Io` that records output, for running the program in-process. */
export function memoryIo(options: { cwd: string; env?: NodeJS.ProcessEnv; answers?: string[] }): Io & { out: string; err: string } {
  const answers = [...(options.answers ?? [])];
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    env: options.env ?? {},
    cwd: options.cwd,
    interactive: options.answers !== undefined,
    prompt: async (question: string) => {
      io.err += question;
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${question}`);
      return answer;
    },
  };
  return io;
}
