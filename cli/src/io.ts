import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Everything a command touches outside itself, so the program can run in a
 * test without a terminal: output streams, environment, working directory
 * and prompting.
 */
export interface Io {
  /** Writes to standard output (text as given: add the newline). */
  stdout(text: string): void;
  /** Writes to standard error: progress, prompts and errors. */
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether a person can answer prompts (stdin is a terminal). */
  interactive: boolean;
  /** Asks a question on stderr and reads one line; `secret` hides the typing. */
  prompt(question: string, options?: { secret?: boolean }): Promise<string>;
}

/** The real process: its streams, environment and terminal. */
export function nodeIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true,
    prompt: (question, options = {}) => promptLine(question, options.secret === true),
  };
}

function promptLine(question: string, secret: boolean): Promise<string> {
  process.stderr.write(question);
  // With a muted output the terminal does not echo what is typed.
  const output = secret ? new Writable({ write: (_chunk, _encoding, done) => done() }) : process.stderr;
  const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
  return new Promise((resolve, reject) => {
    rl.once('line', (line) => {
      rl.close();
      if (secret) process.stderr.write('\n');
      resolve(line);
    });
    rl.once('close', () => reject(new Error('no answer (input closed)')));
    rl.once('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      process.exit(130);
    });
  });
}
