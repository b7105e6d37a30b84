/**
 * `pnpm bench`: runs the scenarios (each starts its own server children),
 * prints one table of throughput and p99 against each scenario's baseline,
 * and writes bench/results/latest.json. A ratio below its target is reported,
 * not failed: the exit code is 0 unless the bench itself broke.
 * `pnpm bench --help` prints the settings below and exits.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { stopCurrentLoad } from './lib/wrk.ts';
import { repoRoot, stopAllChildren } from './lib/processes.ts';
import { summarizeProfiles } from './lib/profile.ts';
import { formatTable, verdict, writeJson } from './lib/report.ts';
import type { BenchContext, Row, Scenario } from './lib/scenario.ts';
import { authScenario } from './scenarios/auth.ts';
import { recordsPgScenario, recordsScenario } from './scenarios/records.ts';
import { storageScenario } from './scenarios/storage.ts';
import { realtimeScenario } from './scenarios/realtime.ts';
import { queryScenario } from './scenarios/query.ts';
import { loggingScenario } from './scenarios/logging.ts';
import { durabilityScenario } from './scenarios/durability.ts';
import { scaleScenario } from './scenarios/scale.ts';

const scenarios: Scenario[] = [recordsScenario, recordsPgScenario, queryScenario, storageScenario, authScenario, realtimeScenario, loggingScenario, durabilityScenario, scaleScenario];

const usage = `Usage: pnpm bench [--help]

Runs the benchmark scenarios (${scenarios.map((s) => s.name).join(', ')}), each against its baseline,
prints a table of throughput and p99 latency with each ratio and its target, and writes
bench/results/latest.json. Settings come from the environment:

  BENCH_SECONDS          seconds per measurement (default 5)
  BENCH_WARMUP_SECONDS   unmeasured load before each measurement (default 1)
  BENCH_ROUNDS           measurements per side and operation, alternating order (default 2)
  BENCH_CONNECTIONS      wrk connections (default 50)
  BENCH_SERVER_CPU       the core servers are pinned to (default 0)
  BENCH_LOAD_CPU         the core wrk is pinned to (default 1)
  BENCH_PG_URL           PostgreSQL for the records-pg pair (default postgres://postgres@127.0.0.1:5432/postgres)
  BENCH_SEED_RECORDS     records seeded on each side (default 10000)
  BENCH_ONLY             e.g. "records", "auth" or "records:create,auth:login" (default: all)
  BENCH_QUERY_RECORDS    records seeded for the query scenario (default 100000)
  BENCH_STORAGE_MB       size of the storage scenario's object in MB (default 50)
  BENCH_PROFILE=1        CPU-profile the servers during each measurement (bench/results/profiles/)
                         and print a summary per profile

More in bench/README.md.
`;

function numberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in ${min}..${max}, got '${raw}'`);
  return n;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const resultsDir = join(repoRoot, 'bench', 'results');
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let interrupted = false;
  const ctx: BenchContext = {
    seconds: numberEnv('BENCH_SECONDS', 5, 1, 600),
    warmupSeconds: numberEnv('BENCH_WARMUP_SECONDS', 1, 0, 60),
    rounds: Math.round(numberEnv('BENCH_ROUNDS', 2, 1, 20)),
    connections: Math.round(numberEnv('BENCH_CONNECTIONS', 50, 1, 1000)),
    profileDir: process.env.BENCH_PROFILE && process.env.BENCH_PROFILE !== '0'
      ? join(resultsDir, 'profiles', startedAt.toISOString().replace(/[:.]/g, '-'))
      : undefined,
    selected: (scenario, operation) =>
      only.length === 0 || only.some((o) => o === scenario || o === `${scenario}:${operation}`),
    aborted: () => interrupted,
    log: (message) => console.error(message),
  };

  process.once('SIGINT', () => {
    interrupted = true;
    console.error('\ninterrupted: stopping the load and the servers...');
    stopCurrentLoad();
    void stopAllChildren().finally(() => process.exit(130));
    // A second Ctrl-C exits at once; the exit hook still kills the children.
    process.once('SIGINT', () => process.exit(130));
  });

  console.error(
    `bench: ${ctx.seconds} s per measurement (+${ctx.warmupSeconds} s warm-up), ${ctx.rounds} rounds, ${ctx.connections} connections, ` +
      `${cpus().length} CPUs, node ${process.version}${ctx.profileDir ? `, profiling into ${ctx.profileDir}` : ''}`,
  );
  const rows: Row[] = [];
  const errors: Array<{ scenario: string; error: string }> = [];
  for (const scenario of scenarios) {
    if (interrupted) break;
    try {
      rows.push(...(await scenario.run(ctx)));
    } catch (err) {
      if (interrupted) break;
      console.error(`scenario ${scenario.name} failed:`, err);
      errors.push({ scenario: scenario.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
  if (interrupted) return 130;

  console.log('');
  console.log(formatTable(rows));
  const file = join(resultsDir, 'latest.json');
  writeJson(file, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings: {
      seconds: ctx.seconds,
      warmupSeconds: ctx.warmupSeconds,
      rounds: ctx.rounds,
      connections: ctx.connections,
      seedRecords: Number(process.env.BENCH_SEED_RECORDS ?? 10_000),
      only,
    },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform, loadavg: loadavg() },
    rows: rows.map((r) => ({ ...r, result: verdict(r) })),
    errors,
  });
  console.log(`\nresults: ${file}`);
  if (ctx.profileDir) summarizeProfiles(ctx.profileDir, (line) => console.log(line));
  return errors.length ? 1 : 0;
}

const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(usage);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`error: unknown argument '${args[0]}': settings are environment variables\n\n${usage}`);
  process.exit(1);
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(err);
    await stopAllChildren();
    process.exit(1);
  },
);
