import { nodeIo } from './io.ts';
import { runCli } from './program.ts';

// `serve` resolves once listening; the open server keeps the process alive.
process.exitCode = await runCli(process.argv.slice(2), nodeIo());
