import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { PresenceEntry } from '@baas/protocol';
import { MAX_PAYLOAD_BYTES, type InstanceBus } from '../db/bus.ts';
import type { Database } from '../db/database.ts';

/** What one process tells the others about a project's channels. */
export type RelayMessage =
  | { t: 'broadcast'; p: string; c: string; event: string; payload: unknown; from: string }
  | { t: 'join' | 'leave'; p: string; c: string; member: PresenceEntry };

// A member's row lives this long without a heartbeat: how long a dead process's members stay listed.
const MEMBER_TTL_MS = 10_000;
const HEARTBEAT_MS = 3_000;
// A part stays under NOTIFY's 8000 bytes once wrapped: a code unit takes at most 6 bytes escaped (\u001f).
const PART_CHARS = 1_200;
const PART_TIMEOUT_MS = 5_000;

/**
 * Carries broadcast and presence between the processes of an instance on
 * the bus's `channels` topic. Presence is also kept in the instance store
 * (`channel_members`), one row per member, refreshed by its process's
 * heartbeat: a joining member reads the others from there, and when a process
 * dies without saying goodbye its rows expire, and whichever process deletes
 * them tells everyone those members left. Messages over NOTIFY's payload
 * limit (a large broadcast) go in parts, reassembled by the receivers; like
 * every bus message, at most once.
 */
export class ChannelRelay {
  /** This process, as the others see it. */
  readonly origin = randomBytes(9).toString('base64url');
  private readonly stop: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly parts = new Map<string, { chunks: string[]; got: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly bus: InstanceBus,
    private readonly db: Database,
    private readonly deliver: (message: RelayMessage) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.stop = bus.subscribe('channels', (payload) => payload !== undefined && this.receive(payload));
    this.timer = setInterval(() => void this.heartbeat().catch(onError), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** A member joined here: recorded for the others; answers the members on other processes. */
  async join(project: string, channel: string, member: PresenceEntry): Promise<PresenceEntry[]> {
    const table = this.db.table('channel_members');
    await this.db.run(sql`INSERT INTO ${table} (project, channel, member, process, entry, expires_at)
      VALUES (${project}, ${channel}, ${member.key}, ${this.origin}, ${JSON.stringify(member)}, ${Date.now() + MEMBER_TTL_MS})
      ON CONFLICT (project, channel, member) DO UPDATE SET entry = excluded.entry, expires_at = excluded.expires_at`);
    await this.send({ t: 'join', p: project, c: channel, member });
    const rows = await this.db.all<{ entry: string }>(sql`SELECT entry FROM ${table}
      WHERE project = ${project} AND channel = ${channel} AND process <> ${this.origin} AND expires_at > ${Date.now()}`);
    return rows.map((r) => JSON.parse(r.entry) as PresenceEntry);
  }

  async leave(project: string, channel: string, member: PresenceEntry): Promise<void> {
    await this.db.run(sql`DELETE FROM ${this.db.table('channel_members')} WHERE project = ${project} AND channel = ${channel} AND member = ${member.key}`);
    await this.send({ t: 'leave', p: project, c: channel, member });
  }

  broadcast(project: string, channel: string, from: string, event: string, payload: unknown): Promise<void> {
    return this.send({ t: 'broadcast', p: project, c: channel, event, payload, from });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stop();
    for (const part of this.parts.values()) clearTimeout(part.timer);
    await this.db.run(sql`DELETE FROM ${this.db.table('channel_members')} WHERE process = ${this.origin}`).catch(() => {});
  }

  /** Keeps this process's members alive, and ends those of processes that stopped beating. */
  private async heartbeat(): Promise<void> {
    const table = this.db.table('channel_members');
    const now = Date.now();
    await this.db.run(sql`UPDATE ${table} SET expires_at = ${now + MEMBER_TTL_MS} WHERE process = ${this.origin}`);
    const gone = await this.db.all<{ project: string; channel: string; entry: string }>(sql`DELETE FROM ${table} WHERE expires_at < ${now} RETURNING project, channel, entry`);
    for (const row of gone) {
      const message: RelayMessage = { t: 'leave', p: row.project, c: row.channel, member: JSON.parse(row.entry) as PresenceEntry };
      // Everyone hears it, this process's members too (a process ignores its own messages).
      this.deliver(message);
      await this.send(message);
    }
  }

  private async send(message: RelayMessage): Promise<void> {
    const body = JSON.stringify(message);
    const whole = JSON.stringify({ o: this.origin, m: body });
    if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) return this.bus.publish('channels', whole);
    const id = randomBytes(9).toString('base64url');
    const n = Math.ceil(body.length / PART_CHARS);
    for (let i = 0; i < n; i++) {
      await this.bus.publish('channels', JSON.stringify({ o: this.origin, id, i, n, d: body.slice(i * PART_CHARS, (i + 1) * PART_CHARS) }));
    }
  }

  private receive(payload: string): void {
    try {
      const frame = JSON.parse(payload) as { o: string; m?: string; id?: string; i?: number; n?: number; d?: string };
      if (frame.o === this.origin) return;
      if (frame.m !== undefined) return this.deliver(JSON.parse(frame.m) as RelayMessage);
      const { id, i, n, d } = frame as { id: string; i: number; n: number; d: string };
      let part = this.parts.get(id);
      if (!part) {
        part = { chunks: new Array<string>(n), got: 0, timer: setTimeout(() => this.parts.delete(id), PART_TIMEOUT_MS) };
        part.timer.unref();
        this.parts.set(id, part);
      }
      if (part.chunks[i] === undefined) part.got++;
      part.chunks[i] = d;
      if (part.got < n) return;
      clearTimeout(part.timer);
      this.parts.delete(id);
      this.deliver(JSON.parse(part.chunks.join('')) as RelayMessage);
    } catch (err) {
      this.onError(err);
    }
  }
}
