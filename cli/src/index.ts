/** @baas/cli: the `baas` command, as a program that tests can run in-process. */
export { buildProgram, runCli } from './program.ts';
export { nodeIo, type Io } from './io.ts';
export { initInstance, type InitOptions, type InitResult } from './commands/init.ts';
export { CliError, formatError, table } from './output.ts';
