/**
 * The baseline of the login measurement: this machine's raw rate of the
 * password check a login does (`verifyPassword` of server/src/crypto.ts, so
 * the same scrypt parameters), with `BENCH_SCRYPT_CONCURRENCY` checks in
 * flight like the login measurement's connections, for BENCH_SCRYPT_WARMUP
 * then BENCH_SCRYPT_SECONDS. Sends `{type: 'result', ...}` over IPC and exits.
 * Run by bench/scenarios/auth.ts, not by hand.
 */
import { hashPassword, verifyPassword } from '../server/src/crypto.ts';

async function main(): Promise<void> {
  if (!process.send) throw new Error('run by bench/scenarios/auth.ts (needs an IPC channel)');
  // The parent going away (Ctrl-C) ends the loop too.
  process.on('disconnect', () => process.exit(0));
  const seconds = Number(process.env.BENCH_SCRYPT_SECONDS);
  const warmup = Number(process.env.BENCH_SCRYPT_WARMUP ?? 0);
  const concurrency = Number(process.env.BENCH_SCRYPT_CONCURRENCY);
  if (!(seconds > 0) || !(concurrency > 0)) throw new Error('BENCH_SCRYPT_SECONDS and BENCH_SCRYPT_CONCURRENCY are required');
  const stored = await hashPassword('bench user password');

  const latencies: number[] = [];
  const warmupEnd = performance.now() + warmup * 1000;
  const end = warmupEnd + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      if (!(await verifyPassword('bench user password', stored))) throw new Error('scrypt check failed');
      const t1 = performance.now();
      // Counted like wrk counts: replies that arrive inside the measured window.
      if (t1 >= warmupEnd && t1 <= end) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0);
  process.send({
    type: 'result',
    ops: latencies.length,
    seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    avgMs: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
  });
  process.disconnect();
}

main().catch((err) => {
  process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect?.();
});
