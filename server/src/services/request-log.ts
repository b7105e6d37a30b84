import { sql, type SQL } from 'drizzle-orm';
import type { RequestLogEntry, RequestLogMinute, RequestLogPage, RequestLogQuery, RequestLogStats } from '@baas/protocol';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { RequestOutcome } from '../metrics.ts';

/** How long recorded requests wait in memory before one batched insert. */
const FLUSH_MS = 1000;
/** Rows per INSERT statement (10 parameters each: well under either engine's limit). */
const INSERT_ROWS = 200;
/** Entries held while the store is slow; beyond it requests go unrecorded (counted in `dropped`) rather than grow memory. */
const MAX_BUFFER = 20_000;
/** How often retention runs. */
const PRUNE_MS = 60_000;
/** Most entries one stats query reads: bounds its memory and time (the dashboard asks for an hour or so). */
const MAX_STATS_ROWS = 500_000;
/** Routes left out: reading the log (the dashboard polls it) and scrapes must not fill it. */
const UNLOGGED = new Set(['/v1/admin/request-log', '/v1/admin/request-log/stats', '/v1/metrics']);

/** A recorded request: the outcome as the listeners got it (nobody changes it after), and its arrival time. */
type Pending = { outcome: RequestOutcome; at: number };

/**
 * The request log: finished requests, sampled, recorded in the instance store
 * for the dashboard's Logs page. Recording costs the request a push onto an
 * array; inserts happen in batches on a timer, off the request's path, and
 * retention (by age and by count) runs every minute.
 */
export class RequestLog {
  /** Requests not recorded because the buffer was full. */
  dropped = 0;
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly pruner: NodeJS.Timeout | undefined;

  /** Where failed inserts and retention runs are reported (the app sets its logger). */
  onError: (err: unknown) => void = () => {};

  constructor(
    private readonly db: Database,
    private readonly config: Pick<Config, 'requestLog' | 'requestLogSampleRate' | 'requestLogRetentionDays' | 'requestLogRetentionRows'>,
  ) {
    if (config.requestLog) {
      this.pruner = setInterval(() => void this.prune().catch((err: unknown) => this.onError(err)), PRUNE_MS);
      this.pruner.unref();
    }
  }

  /**
   * An outcome listener: keeps the request if sampled, to be inserted with the
   * next batch. Sampling is uniform (errors too), so the rates and percentiles
   * of the aggregates stay unbiased; the server log has every request.
   */
  readonly record = (outcome: RequestOutcome): void => {
    if (!this.config.requestLog || UNLOGGED.has(outcome.route)) return;
    const rate = this.config.requestLogSampleRate;
    if (rate < 1 && Math.random() >= rate) return;
    if (this.buffer.length >= MAX_BUFFER) {
      this.dropped++;
      return;
    }
    this.buffer.push({ outcome, at: Date.now() - Math.round(outcome.ms) });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  };

  /** Inserts what is buffered now (tests and shutdown call it; the timer otherwise). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    // Batches go in one after the other, never concurrently.
    this.flushing = this.flushing.then(() => (batch.length ? this.insert(batch) : undefined)).catch((err: unknown) => this.onError(err));
    return this.flushing;
  }

  /** Deletes entries older than the retention days and beyond the row limit; answers how many. */
  async prune(now = Date.now()): Promise<number> {
    const { requestLogRetentionDays: days, requestLogRetentionRows: rows } = this.config;
    const t = this.db.table('request_log');
    let deleted = 0;
    if (days > 0) deleted += (await this.db.run(sql`DELETE FROM ${t} WHERE at < ${now - days * 86_400_000}`)).changes;
    // Ids only grow, one per entry: everything at or below (newest id - rows) is older than the newest `rows`.
    // (A PostgreSQL sequence may skip ids, so the log can keep a little fewer.) Cheap: a range of the primary key.
    if (rows > 0) deleted += (await this.db.run(sql`DELETE FROM ${t} WHERE id <= (SELECT MAX(id) FROM ${t}) - ${rows}`)).changes;
    return deleted;
  }

  /** Entries matching `query`, newest first, `limit` a page; `cursor` is the previous page's `nextCursor`. */
  async list(query: RequestLogQuery, limit: number, cursor?: string): Promise<RequestLogPage> {
    const where = conditions(query);
    if (cursor !== undefined) where.push(sql`id < ${Number(cursor)}`);
    const rows = await this.db.all<Row>(sql`SELECT id, at, request_id, method, route, url, status, ms, project, actor FROM ${this.db.table('request_log')}
      ${whereOf(where)} ORDER BY id DESC LIMIT ${limit + 1}`);
    const items = rows.slice(0, limit).map(toEntry);
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1].id) : null };
  }

  /** Per-minute request counts, rate, 5xx error rate and latency percentiles of the entries matching `query`. */
  async stats(query: RequestLogQuery): Promise<RequestLogStats> {
    const rows = await this.db.all<{ at: unknown; status: unknown; ms: unknown }>(sql`SELECT at, status, ms FROM ${this.db.table('request_log')}
      ${whereOf(conditions(query))} ORDER BY at DESC LIMIT ${MAX_STATS_ROWS}`);
    const byMinute = new Map<number, { errors: number; ms: number[] }>();
    for (const row of rows) {
      const minute = Math.floor(Number(row.at) / 60_000) * 60_000;
      let bucket = byMinute.get(minute);
      if (!bucket) byMinute.set(minute, (bucket = { errors: 0, ms: [] }));
      if (Number(row.status) >= 500) bucket.errors++;
      bucket.ms.push(Number(row.ms));
    }
    const minutes: RequestLogMinute[] = [...byMinute.entries()].sort(([a], [b]) => a - b).map(([minute, b]) => {
      b.ms.sort((x, y) => x - y);
      const requests = b.ms.length;
      return {
        minute: new Date(minute).toISOString(),
        requests,
        rate: round(requests / 60),
        errors: b.errors,
        errorRate: round(b.errors / requests),
        p50: percentile(b.ms, 0.5),
        p99: percentile(b.ms, 0.99),
      };
    });
    return { minutes, sampleRate: this.config.requestLogSampleRate };
  }

  /** Stops the timers and inserts what is left. */
  async close(): Promise<void> {
    clearInterval(this.pruner);
    await this.flush();
  }

  private async insert(batch: Pending[]): Promise<void> {
    const t = this.db.table('request_log');
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < batch.length; i += INSERT_ROWS) {
        // Each row an array, which drizzle writes as a parenthesized list of parameters:
        // one template for the statement instead of one per row (building those was most of a flush).
        const values = batch.slice(i, i + INSERT_ROWS).map(({ outcome: o, at }) => [at, o.id, o.method, o.route, o.url, o.status, o.ms, o.project, o.actor]);
        await tx.run(sql`INSERT INTO ${t} (at, request_id, method, route, url, status, ms, project, actor) VALUES ${sql.join(values as unknown as SQL[], sql`, `)}`);
      }
    });
  }
}

interface Row {
  id: unknown;
  at: unknown;
  request_id: string;
  method: string;
  route: string;
  url: string;
  status: unknown;
  ms: unknown;
  project: string | null;
  actor: string;
}

function toEntry(r: Row): RequestLogEntry {
  return {
    id: Number(r.id),
    at: new Date(Number(r.at)).toISOString(),
    requestId: r.request_id,
    method: r.method,
    route: r.route,
    url: r.url,
    status: Number(r.status),
    ms: Number(r.ms),
    project: r.project,
    actor: r.actor as RequestLogEntry['actor'],
  };
}

/** The WHERE conditions of the filters (the HTTP schema has checked their forms). */
function conditions(query: RequestLogQuery): SQL[] {
  const where: SQL[] = [];
  if (query.project !== undefined) where.push(sql`project = ${query.project}`);
  if (query.route !== undefined) where.push(sql`route = ${query.route}`);
  if (query.actor !== undefined) where.push(sql`actor = ${query.actor}`);
  if (query.status !== undefined) {
    const cls = /^([1-5])xx$/i.exec(query.status)?.[1];
    if (cls) where.push(sql`status >= ${Number(cls) * 100} AND status < ${Number(cls) * 100 + 100}`);
    else where.push(sql`status = ${Number(query.status)}`);
  }
  if (query.from !== undefined) where.push(sql`at >= ${Date.parse(query.from)}`);
  if (query.to !== undefined) where.push(sql`at < ${Date.parse(query.to)}`);
  return where;
}

const whereOf = (where: SQL[]): SQL => (where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const round = (n: number) => Math.round(n * 1000) / 1000;
