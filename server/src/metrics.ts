import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestLogEntry } from '@baas/protocol';
import type { DbObserver } from './db/database.ts';

/**
 * What one finished request was, as the log line, the metrics and the request
 * log see it: a request-log entry before the log numbers and dates it (`id`
 * here is the request's x-request-id).
 */
export type RequestOutcome = Omit<RequestLogEntry, 'id' | 'at' | 'requestId' | 'actor'> & { id: string; actor: string };

/**
 * The process metrics (CPU, memory, event loop, GC) belong to the process,
 * not to an instance: one registry, made on first use, shared by every app
 * of the process (tests build many; each would otherwise start its own GC
 * observer and event-loop monitor, and never stop them).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What the metrics read when scraped, from whoever holds it (set once the part starts). */
export interface MetricSources {
  /** Open realtime connections and subscriptions per project. */
  realtime?: () => Array<{ project: string; connections: number; subscriptions: number }>;
  /** Per project with an open store: change-log rows, and changes not yet delivered by this process's feed. */
  changeLog?: () => Promise<Array<{ project: string; rows: number; lag?: number }>>;
  /** Where each project's realtime feed of this process is (the seq it delivered through). */
  realtimeFeeds?: () => Map<string, number>;
  /** When the last backup of the history (any process) succeeded, in ms since the epoch. */
  lastBackup?: () => Promise<number | undefined>;
}

type RequestLabel = 'method' | 'route' | 'status_class' | 'project';
const statusClasses = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
const statusClass = (status: number) => statusClasses[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;

/**
 * The Prometheus metrics of one instance (`GET /v1/metrics`). Counters and
 * histograms are updated where things happen; gauges of state (connections,
 * the change log, the last backup) are read at scrape time from `sources`,
 * so they cost nothing between scrapes.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly sources: MetricSources = {};

  private readonly httpDuration = new Histogram({
    name: 'baas_http_request_duration_seconds',
    help: 'Time from a request\'s arrival to its reply\'s last byte, by method, route pattern, status class and project',
    labelNames: ['method', 'route', 'status_class', 'project'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly realtimeDeliveries = new Counter({
    name: 'baas_realtime_deliveries_total',
    help: 'Change frames sent to realtime subscriptions, by project',
    labelNames: ['project'] as const,
    registers: [this.registry],
  });
  readonly realtimeSlowConsumers = new Counter({
    name: 'baas_realtime_slow_consumers_closed_total',
    help: 'Realtime connections closed because their send buffer overflowed (4008), by project',
    labelNames: ['project'] as const,
    registers: [this.registry],
  });
  private readonly dbTransactions = new Histogram({
    name: 'baas_db_transaction_duration_seconds',
    help: 'Time from asking for a transaction to its commit or rollback (queueing and group commit included), by engine and outcome',
    labelNames: ['engine', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly commitGroups = new Histogram({
    name: 'baas_db_commit_group_size',
    help: 'Transactions sealed by one SQLite commit (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly storageBytes = new Counter({
    name: 'baas_storage_bytes_total',
    help: 'File object bytes stored (in) and served (out), by project',
    labelNames: ['direction', 'project'] as const,
    registers: [this.registry],
  });
  readonly backupRuns = new Counter({
    name: 'baas_backup_runs_total',
    help: 'Backups started by this process, by trigger (schedule, api, cli)',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  readonly backupFailures = new Counter({
    name: 'baas_backup_failures_total',
    help: 'Backups of this process that failed (the archive, or for scheduled runs the upload or pruning after it), by trigger',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  /** What the stores report (db/database.ts). */
  readonly db: DbObserver = {
    transaction: (engine, seconds, committed) => this.dbTransactions.observe({ engine, outcome: committed ? 'commit' : 'rollback' }, seconds),
    commitGroup: (size) => this.commitGroups.observe(size),
  };

  constructor() {
    const sources = this.sources;
    // The request count is the duration histogram's count per label set: read from it at
    // scrape time instead of counted again per request (a second label hash and map update
    // on every request: 5 µs -> 2-3 µs per request, prom-client alone). Same label sets, same values.
    const duration = this.httpDuration;
    new Counter({
      name: 'baas_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern, status class and project',
      labelNames: ['method', 'route', 'status_class', 'project'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const v of (await duration.get()).values) {
          if (v.metricName === 'baas_http_request_duration_seconds_count') this.inc(v.labels as Record<RequestLabel, string>, v.value);
        }
      },
    });
    new Gauge({
      name: 'baas_realtime_connections',
      help: 'Open realtime WebSocket connections of this process, by project',
      labelNames: ['project'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of sources.realtime?.() ?? []) this.set({ project: r.project }, r.connections);
      },
    });
    new Gauge({
      name: 'baas_realtime_subscriptions',
      help: 'Record subscriptions of the open realtime connections of this process, by project',
      labelNames: ['project'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const r of sources.realtime?.() ?? []) this.set({ project: r.project }, r.subscriptions);
      },
    });
    // Both change-log gauges come from one read of the stores per scrape.
    let changeLog: ReturnType<NonNullable<MetricSources['changeLog']>> | undefined;
    const readChangeLog = () => (changeLog ??= (sources.changeLog?.() ?? Promise.resolve([])).finally(() => setImmediate(() => (changeLog = undefined))));
    new Gauge({
      name: 'baas_change_log_rows',
      help: 'Changes held in the change log, by project (projects whose store is open)',
      labelNames: ['project'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await readChangeLog()) this.set({ project: r.project }, r.rows);
      },
    });
    new Gauge({
      name: 'baas_change_log_lag',
      help: 'Changes written to the log that this process\'s realtime feed has not delivered yet, by project (projects with realtime subscribers)',
      labelNames: ['project'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await readChangeLog()) if (r.lag !== undefined) this.set({ project: r.project }, r.lag);
      },
    });
    new Gauge({
      name: 'baas_backup_last_success_timestamp_seconds',
      help: 'When the newest successful backup in the history finished (Unix seconds; 0 = none yet)',
      registers: [this.registry],
      async collect() {
        this.set(((await sources.lastBackup?.()) ?? 0) / 1000);
      },
    });
  }

  /** One finished request (an outcome listener of the request log). */
  readonly request = (outcome: RequestOutcome): void => {
    const labels = { method: outcome.method, route: outcome.route, status_class: statusClass(outcome.status), project: outcome.project ?? '' };
    this.httpDuration.observe(labels, outcome.ms / 1000);
  };

  /** The Prometheus text exposition of this instance and the process. */
  async text(): Promise<string> {
    return (await processMetrics().metrics()) + '\n' + (await this.registry.metrics());
  }

  readonly contentType = this.registry.contentType;
}
