import pg from 'pg';
import { CHANGES_CHANNEL } from '../services/records/changes.ts';
import { WakeListeners, type ChangeBus } from './bus.ts';

const PROJECT_SCHEMA_PREFIX = 'project_';
const RECONNECT_MS = 1000;

/**
 * The bus of several processes on one PostgreSQL database: every write's
 * transaction NOTIFYs `<schema>:<seq>` on commit (services/records/changes.ts);
 * this LISTENs on a dedicated connection and wakes that project's feed, in
 * whichever process the write happened. After a lost connection it reconnects
 * and wakes every feed, since notifications sent meanwhile are gone.
 */
export class PostgresBus implements ChangeBus {
  private readonly listeners = new WakeListeners();
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly url: string) {
    void this.connect();
  }

  onWake(listener: (project: string | undefined) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    client.on('notification', (message) => {
      const schema = message.payload?.split(':')[0] ?? '';
      this.listeners.emit(schema.startsWith(PROJECT_SCHEMA_PREFIX) ? schema.slice(PROJECT_SCHEMA_PREFIX.length) : undefined);
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
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (this.closed) await client.end();
      // Whatever was notified while we were not listening: every feed reads.
      else this.listeners.emit(undefined);
    } catch {
      lost();
    }
  }
}
