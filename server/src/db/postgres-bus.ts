import pg from 'pg';
import { BUS_TOPICS, checkPayload, LocalBus, type BusListener, type BusTopic, type InstanceBus } from './bus.ts';

const RECONNECT_MS = 1000;

/** The PostgreSQL channel of a bus topic. */
export function busChannel(topic: BusTopic): string {
  return `baas_${topic}`;
}

/** The bus topic of a PostgreSQL channel (busChannel's inverse). */
export function busTopic(channel: string): BusTopic {
  return channel.slice('baas_'.length) as BusTopic;
}

/**
 * The bus of several processes on one PostgreSQL database: LISTEN on one
 * dedicated connection (not the pool's: a pooled connection goes back to the
 * pool and its LISTENs with it). Messages are NOTIFYs, sent by
 * `PostgresDatabase.publish` inside the change's transaction, so they arrive
 * on commit, in every process. After a lost connection it reconnects and
 * tells every listener that messages may have been lost.
 */
export class PostgresBus implements InstanceBus {
  private readonly local = new LocalBus();
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Resolves once the first LISTEN is in place (or failed): tests and startup may wait for it. */
  readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
  ) {
    this.ready = this.connect();
  }

  subscribe(topic: BusTopic, listener: BusListener): () => void {
    return this.local.subscribe(topic, listener);
  }

  async publish(topic: BusTopic, payload: string): Promise<void> {
    checkPayload(payload);
    await this.pool.query('SELECT pg_notify($1, $2)', [busChannel(topic), payload]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.local.close();
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    client.on('notification', (message) => {
      const topic = BUS_TOPICS.find((t) => busChannel(t) === message.channel);
      if (topic) this.local.emit(topic, message.payload ?? '');
    });
    const lost = () => {
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(BUS_TOPICS.map((t) => `LISTEN ${busChannel(t)}`).join('; '));
      if (this.closed) await client.end();
      // Whatever was sent while we were not listening is gone: every listener re-checks.
      else this.local.reset();
    } catch {
      lost();
    }
  }
}
