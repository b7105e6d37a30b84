import { nodeIo } from './io.ts';
import { runCli } from './program.ts';

// A reader that stopped reading (`baas users list | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// `serve` resolves once listening; the open server keeps the process alive.
process.exitCode = await runCli(process.argv.slice(2), nodeIo());
