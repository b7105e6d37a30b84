import type { Measurement } from './wrk.ts';

/** What every scenario gets from bench/run.ts. */
export interface BenchContext {
  /** Seconds per measurement. */
  seconds: number;
  /** Seconds of unmeasured load before each measurement. */
  warmupSeconds: number;
  /** Measurements per side and operation; odd rounds swap the order (baseline first) so drift hits both. */
  rounds: number;
  connections: number;
  /** When set, scenarios CPU-profile each server child during each measurement, into this directory. */
  profileDir?: string;
  /** Whether an operation of a scenario is selected (BENCH_ONLY). */
  selected(scenario: string, operation: string): boolean;
  /** Whether the run was interrupted: scenarios stop starting new measurements. */
  aborted(): boolean;
  log(message: string): void;
}

/** One line of the report: a scenario's operation, measured against its baseline. */
export interface Row {
  scenario: string;
  operation: string;
  /** The unit of `reqPerSec` in the report, e.g. 'req/s'. */
  unit: string;
  subject: Measurement;
  baseline?: Measurement;
  /** subject / baseline throughput. */
  ratio?: number;
  /**
   * Baseline server CPU per success / subject server CPU per success, where
   * measured: on a shared machine it moves less than the throughput ratio.
   */
  cpuRatio?: number;
  /** The minimum acceptable ratio. */
  target?: number;
  /** Each round's raw figures. */
  rounds: Array<{ subject: Measurement; baseline?: Measurement }>;
  /** Anything a reader should know: non-2xx replies, socket errors. */
  warnings: string[];
  /** Figures beside the throughput (e.g. a server's peak memory), printed under the table. */
  notes?: string[];
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
