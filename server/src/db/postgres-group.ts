import type pg from 'pg';
import type { DbObserver, TransactionLock } from './database.ts';

/** Most transactions one commit may carry (as on SQLite). */
export const MAX_GROUP = 64;

interface Queue {
  members: GroupMember[];
  busy: boolean;
  observer: DbObserver | undefined;
}

/** What the members of one group share. */
export interface GroupContext {
  /** The group's connection, in its transaction. */
  client: pg.PoolClient;
  /** The locks the group took before its first member (`mode name`). */
  held: ReadonlySet<string>;
  /** Reads the locks keep stable, by key, done once per group (`Database.stableRead`). */
  reads: Map<string, Promise<unknown>>;
}

/** One grouped transaction: its work on the group's connection, and who waits for its outcome. */
export interface GroupMember {
  /**
   * Runs the member's work (inside its savepoint); resolves with its value,
   * the messages to send on commit and its deferred writes (statement text).
   */
  run(group: GroupContext): Promise<{ value: unknown; messages: Array<[string, string]>; deferred: string[] }>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit on PostgreSQL, for transactions that take the same exclusive
 * lock first (the record writes of a project: the schema lock shared, then
 * the change-log lock, changes.ts). Such transactions run one at a time
 * anyway, each holding the lock through its own COMMIT, so a project's writes
 * were bounded by one WAL flush each. Here they queue, and the transactions
 * that arrived meanwhile run together: one BEGIN, the locks taken once in the
 * members' own order, each member inside a SAVEPOINT (a failing one rolls
 * back alone, its messages dropped), one COMMIT for all. Each member still
 * hears its outcome only after that COMMIT: a failed COMMIT rejects them all.
 *
 * Why it keeps the change log's invariants: the group holds the change-log
 * lock from its start through its COMMIT, exactly as one write did, so seqs
 * still become visible in commit order (every other writer, in this process
 * or another, waits on the lock); members run in arrival order on one
 * connection, so their seqs are in that order; the locks are taken in the
 * order a single write takes them (schema, then changes, then rows), so a
 * group deadlocks with nobody a single write would not. One transaction is
 * one crash unit: after a crash either the whole group is there or none of it.
 */
export class WriteGroups {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Queues `member` behind the group that takes `locks` (names already
   * qualified with the schema, so each store has its own queue); `observer`
   * hears each group's size.
   */
  enqueue(locks: readonly TransactionLock[], member: GroupMember, observer?: DbObserver): void {
    const key = locks.map(([name, mode]) => `${mode} ${name}`).join('\n');
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { members: [], busy: false, observer }));
    queue.members.push(member);
    if (queue.busy) return;
    queue.busy = true;
    // Wait one turn of the event loop: requests already read from their sockets join the group.
    setImmediate(() => void this.drain(locks, queue));
  }

  private async drain(locks: readonly TransactionLock[], queue: Queue): Promise<void> {
    try {
      while (queue.members.length > 0) {
        const group = queue.members.splice(0, MAX_GROUP);
        queue.observer?.commitGroup(group.length);
        const requeue = await this.commitGroup(locks, group);
        queue.members.unshift(...requeue);
      }
    } finally {
      queue.busy = false;
    }
  }

  /**
   * Runs one group; answers the members it never ran (the connection broke
   * before their turn), which go first into the next group.
   */
  private async commitGroup(locks: readonly TransactionLock[], group: GroupMember[]): Promise<GroupMember[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const member of group) member.reject(err);
      return [];
    }
    // A connection lost mid-group fails the query in flight, and pg also emits 'error' on
    // the client; unheard, that would crash the process.
    const ignore = () => {};
    client.on('error', ignore);
    let broken: unknown = undefined;
    const done: Array<{ member: GroupMember; value: unknown }> = [];
    const outbox = new Map<string, [string, string]>();
    const deferred: string[] = [];
    const context: GroupContext = { client, held: new Set(locks.map(([name, mode]) => `${mode} ${name}`)), reads: new Map() };
    try {
      const take = locks.map(([name, mode]) => `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext(${client.escapeLiteral(name)}))`);
      try {
        await client.query(['BEGIN', ...take, 'SAVEPOINT member'].join('; '));
      } catch (err) {
        broken = err;
        for (const member of group) member.reject(err);
        return [];
      }
      for (const [index, member] of group.entries()) {
        try {
          const { value, messages, deferred: writes } = await member.run(context);
          // The next member's savepoint in the same round trip. RELEASE fails when the member
          // swallowed an error and left the transaction aborted: then it failed after all.
          await client.query(index < group.length - 1 ? 'RELEASE SAVEPOINT member; SAVEPOINT member' : 'RELEASE SAVEPOINT member');
          for (const [channel, payload] of messages) outbox.set(`${channel}\n${payload}`, [channel, payload]);
          deferred.push(...writes);
          done.push({ member, value });
        } catch (err) {
          try {
            // The savepoint stays after ROLLBACK TO: the next member runs inside it.
            await client.query(index < group.length - 1 ? 'ROLLBACK TO SAVEPOINT member' : 'ROLLBACK TO SAVEPOINT member; RELEASE SAVEPOINT member');
          } catch (rollbackErr) {
            // The transaction is gone (connection lost, server shutdown): nothing of this
            // group was kept, so no member may hear otherwise. The ones not run yet go again.
            broken = rollbackErr;
            for (const d of done) d.member.reject(rollbackErr);
            member.reject(err);
            return group.slice(index + 1);
          }
          member.reject(err);
        }
      }
      const notify = [...outbox.values()].map(([channel, payload]) => `SELECT pg_notify(${client.escapeLiteral(channel)}, ${client.escapeLiteral(payload)})`);
      try {
        // The members' deferred writes (their change-log rows, in member order), the messages
        // and the COMMIT: one round trip, so the locks are held no longer than PostgreSQL needs.
        const results = await client.query([...deferred, ...notify, 'COMMIT'].join('; '));
        const last = Array.isArray(results) ? results[results.length - 1] : results;
        // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error.
        if (last.command !== 'COMMIT') throw new Error(`the group's COMMIT was answered ${last.command}`);
      } catch (err) {
        broken = err;
        for (const d of done) d.member.reject(err);
        return [];
      }
      for (const d of done) d.member.resolve(d.value);
      return [];
    } finally {
      // A connection whose ROLLBACK fails is not given to anyone else.
      const unusable = broken !== undefined && (await client.query('ROLLBACK').then(() => false, () => true));
      client.off('error', ignore);
      client.release(unusable);
    }
  }
}
