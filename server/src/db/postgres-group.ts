import type pg from 'pg';
import type { DbObserver, TransactionLock } from './database.ts';
import { inlineParams } from './postgres-literals.ts';

/** Most transactions one commit may carry (as on SQLite). */
export const MAX_GROUP = 64;
/** Groups of one store in flight at once, each on its own connection (of a pool of 10). */
export const MAX_PARALLEL_GROUPS = 4;
/** Fewest members a group gets when the waiting ones are shared among groups (below, one group takes them all). */
const MIN_SHARE = 8;
/** Runs of one member a deadlock may cost before its caller hears the deadlock. */
const MAX_ATTEMPTS = 3;
/** PostgreSQL's deadlock_detected: the statement was chosen as the victim; running it again may succeed. */
const DEADLOCK = '40P01';

interface Queue {
  members: GroupMember[];
  /** Groups in flight. */
  running: number;
  /** A pump is due on the next turn of the event loop. */
  scheduled: boolean;
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
  /**
   * Runs one statement of the running member on the group's connection, with
   * the savepoint statements owed before it (the previous member's RELEASE,
   * this member's SAVEPOINT) in the same round trip. Every statement of a
   * member goes through here: a failed one fails the member, even when its
   * code swallowed the error (the transaction is aborted until the rollback).
   */
  query(text: string, params: unknown[]): Promise<pg.QueryResult>;
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
  /** Runs so far that a deadlock undid (the group counts them). */
  attempts?: number;
}

/**
 * Group commit on PostgreSQL, for transactions that take the same locks: the
 * record writes of a project (the schema lock shared, then the change-log
 * lock, db/change-log.ts). They used to run one at a time, each holding the
 * change-log lock from its start through its own COMMIT, so a project's
 * writes were bounded by their serial round trips and one WAL flush each.
 * Here they queue, and the ones that arrived meanwhile run together: one
 * BEGIN taking the shared locks, each member inside a SAVEPOINT (a failing
 * one rolls back alone, its messages and deferred writes dropped; the
 * savepoint statements travel with the member's first statement, so a member
 * costs only its own round trips), then one
 * round trip that takes the exclusive locks, writes the members' deferred
 * writes (their change-log rows) in member order, sends the messages and
 * COMMITs. A few groups run at once, each on its own connection; they meet
 * only at that last statement. Each member hears its outcome only after the
 * COMMIT: a failed COMMIT rejects them all.
 *
 * Why the change log's invariants hold: a seq is taken only in that last
 * statement, under the change-log lock, which is held through the COMMIT; so
 * seqs become visible in commit order, and every other writer (another
 * group, another process) waits on the lock. Within a group seqs follow
 * member order. The exclusive lock is the last lock a group takes and the
 * holder waits for nothing else, so it closes no cycle; two groups can still
 * deadlock on row locks (two members updating the same two records in
 * opposite orders): PostgreSQL aborts one statement, whose member is rolled
 * back to its savepoint and run again in a later group (MAX_ATTEMPTS). One
 * transaction is one crash unit: after a crash the whole group is there or
 * none of it.
 */
export class WriteGroups {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Queues `member` for a group that takes `locks` (names already qualified
   * with the schema, so each store has its own queue); `observer` hears each
   * group's size.
   */
  enqueue(locks: readonly TransactionLock[], member: GroupMember, observer?: DbObserver): void {
    const key = locks.map(([name, mode]) => `${mode} ${name}`).join('\n');
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { members: [], running: 0, scheduled: false, observer }));
    queue.members.push(member);
    this.schedule(locks, queue);
  }

  /** Pumps on the next turn of the event loop: requests already read from their sockets join the group. */
  private schedule(locks: readonly TransactionLock[], queue: Queue): void {
    if (queue.scheduled || queue.running >= MAX_PARALLEL_GROUPS) return;
    queue.scheduled = true;
    setImmediate(() => this.pump(locks, queue));
  }

  /** Starts groups while there are members and free slots, sharing the waiting members among them. */
  private pump(locks: readonly TransactionLock[], queue: Queue): void {
    queue.scheduled = false;
    while (queue.members.length > 0 && queue.running < MAX_PARALLEL_GROUPS) {
      // Sharing costs a commit per group and buys its members' round trips in parallel.
      const share = Math.ceil(queue.members.length / (MAX_PARALLEL_GROUPS - queue.running));
      const size = Math.min(MAX_GROUP, Math.max(MIN_SHARE, share));
      const group = queue.members.splice(0, size);
      queue.observer?.commitGroup(group.length);
      queue.running++;
      void this.commitGroup(locks, group).then((again) => {
        queue.running--;
        queue.members.unshift(...again);
        if (queue.members.length > 0) this.schedule(locks, queue);
      });
    }
  }

  /**
   * Runs one group; answers the members to run again (never run because the
   * connection broke first, or undone by a deadlock), which go first into
   * the next group.
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
    const again: GroupMember[] = [];
    const done: Array<{ member: GroupMember; value: unknown }> = [];
    const outbox = new Map<string, [string, string]>();
    const deferred: string[] = [];
    // Savepoint statements not sent yet: they go in the same round trip as the next
    // statement (a member's first, or the COMMIT), not in one of their own.
    let owed: string[] = [];
    // The running member's first failed statement.
    let failed: { err: unknown } | undefined;
    const query = async (text: string, params: unknown[]): Promise<pg.QueryResult> => {
      const before = owed;
      owed = [];
      try {
        if (before.length === 0) return await client.query(text, params);
        const statement = params.length ? inlineParams(text, params, (v) => client.escapeLiteral(v)) : text;
        const results = (await client.query([...before, statement].join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
        return Array.isArray(results) ? results[results.length - 1] : results;
      } catch (err) {
        failed ??= { err };
        throw err;
      }
    };
    const context: GroupContext = { client, held: new Set(locks.map(([name, mode]) => `${mode} ${name}`)), reads: new Map(), query };
    const take = (mode: 'shared' | 'exclusive') =>
      locks
        .filter(([, m]) => m === mode)
        .map(([name]) => `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext(${client.escapeLiteral(name)}))`);
    try {
      try {
        await client.query(['BEGIN', ...take('shared'), 'SAVEPOINT member'].join('; '));
      } catch (err) {
        broken = err;
        for (const member of group) member.reject(err);
        return [];
      }
      for (const [index, member] of group.entries()) {
        const last = index === group.length - 1;
        failed = undefined;
        try {
          const { value, messages, deferred: writes } = await member.run(context);
          // A member that swallowed a failed statement left the transaction aborted: it failed after all.
          // (`failed` is set by `query`, which TypeScript does not see from here.)
          const failure = failed as { err: unknown } | undefined;
          if (failure) throw failure.err;
          // Its RELEASE and the next member's SAVEPOINT go with the next statement sent.
          owed.push('RELEASE SAVEPOINT member');
          if (!last) owed.push('SAVEPOINT member');
          for (const [channel, payload] of messages) outbox.set(`${channel}\n${payload}`, [channel, payload]);
          deferred.push(...writes);
          done.push({ member, value });
        } catch (err) {
          try {
            // The savepoint stays after ROLLBACK TO: the next member runs inside it. What was
            // owed goes first (this member may have failed before sending anything).
            const rollback = [...owed, 'ROLLBACK TO SAVEPOINT member', ...(last ? ['RELEASE SAVEPOINT member'] : [])];
            owed = [];
            await client.query(rollback.join('; '));
          } catch (rollbackErr) {
            // The transaction is gone (connection lost, server shutdown): nothing of this
            // group was kept, so no member may hear otherwise. The ones not run yet go again.
            broken = rollbackErr;
            for (const d of done) d.member.reject(rollbackErr);
            member.reject(err);
            return [...again, ...group.slice(index + 1)];
          }
          if (retryable(err, member)) again.push(member);
          else member.reject(err);
        }
      }
      const notify = [...outbox.values()].map(([channel, payload]) => `SELECT pg_notify(${client.escapeLiteral(channel)}, ${client.escapeLiteral(payload)})`);
      try {
        // The last member's RELEASE, the exclusive locks, the members' deferred writes (their
        // change-log rows, in member order), the messages and the COMMIT: one round trip, so the locks are held no
        // longer than PostgreSQL needs.
        const results = await client.query([...owed, ...take('exclusive'), ...deferred, ...notify, 'COMMIT'].join('; '));
        const last = Array.isArray(results) ? results[results.length - 1] : results;
        // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error.
        if (last.command !== 'COMMIT') throw new Error(`the group's COMMIT was answered ${last.command}`);
      } catch (err) {
        broken = err;
        for (const d of done) {
          if (retryable(err, d.member)) again.push(d.member);
          else d.member.reject(err);
        }
        return again;
      }
      for (const d of done) d.member.resolve(d.value);
      return again;
    } finally {
      // A connection whose ROLLBACK fails is not given to anyone else.
      const unusable = broken !== undefined && (await client.query('ROLLBACK').then(() => false, () => true));
      client.off('error', ignore);
      client.release(unusable);
    }
  }
}

/** A deadlock victim, rolled back, runs again (a few times). */
function retryable(err: unknown, member: GroupMember): boolean {
  if ((err as { code?: unknown })?.code !== DEADLOCK) return false;
  member.attempts = (member.attempts ?? 0) + 1;
  return member.attempts < MAX_ATTEMPTS;
}
