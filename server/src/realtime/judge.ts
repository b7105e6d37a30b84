import { sql } from 'drizzle-orm';
import type { ChangeAction, CollectionDefinition, RecordData } from '@baas/protocol';
import { compile, schemaLookup, type AuthInfo, type Compiled, type Hop, type Row } from '@baas/query';
import { rowToRecord } from '@baas/schema';
import type { Database, DbRow } from '../db/database.ts';
import { tableName } from '../db/collection-tables.ts';
import { nowIso } from '../ids.ts';

/** One row of the change log, decoded. */
export interface ChangeEvent {
  seq: number;
  collection: string;
  action: ChangeAction;
  /** The record after the write; for a delete, the record as it was. */
  record: RecordData;
  /** Updates: the record before the write. */
  previous: RecordData | null;
}

/** Who a subscription is judged as. */
export interface Viewer {
  /** The service role and admins: rules do not apply. */
  privileged: boolean;
  auth: AuthInfo | null;
  /** Equal for viewers that rules cannot tell apart (same user, same claims). */
  key: string;
}

/** What a subscription asks to see: its rule (list, or view for one record) and filter. */
export interface Interest {
  rule: 'list' | 'view';
  filter?: string;
}

/** A compiled rule-and-filter and its answers for one change, by row and (when it reads `auth`) viewer. */
interface Condition {
  parts: Compiled[];
  personal: boolean;
  answers: Map<string, boolean>;
}

const interestKeys = new WeakMap<Interest, string>();

/** A string naming an interest (cached: it is asked once per subscription and change). */
function interestKey(interest: Interest): string {
  let key = interestKeys.get(interest);
  if (key === undefined) interestKeys.set(interest, (key = `${interest.rule}\u0000${interest.filter ?? ''}`));
  return key;
}

/** The viewer of a connection that has not authenticated. */
export const guestViewer: Viewer = { privileged: false, auth: null, key: 'guest' };

/** A viewer for a user's claims: the key covers every claim rules can read. */
export function userViewer(auth: AuthInfo): Viewer {
  return { privileged: false, auth, key: `user:${JSON.stringify([auth.id, auth.email, auth.verified, auth.anonymous, auth.role, auth.data])}` };
}

/** The viewer of the service role or an admin. */
export const privilegedViewer: Viewer = { privileged: true, auth: null, key: 'privileged' };

/**
 * Judges one change for every subscription: computed once per change, with
 * answers shared by all subscriptions of the same rule, filter and (when the
 * rule or filter reads `auth`) identity. Rules and filters are evaluated in
 * memory by the query package's evaluator, which agrees with the SQL. A rule
 * that reads relations gets the related records prefetched once per change
 * (a few indexed queries, whatever the number of subscribers), so deletes and
 * "was visible before" are judged too, which a query against the table could
 * not do once the row is gone. Realtime filters may not read relations (the
 * subscription is refused), so no filter can probe hidden related records.
 */
export class ChangeJudge {
  private readonly conditions = new Map<string, Condition | boolean>();
  private readonly privilegedConditions = new Map<string, Condition | boolean>();
  private readonly now = nowIso();

  private constructor(
    private readonly change: ChangeEvent,
    private readonly def: CollectionDefinition | undefined,
    private readonly catalog: ReadonlyMap<string, CollectionDefinition>,
    private readonly related: Map<string, Row>,
  ) {}

  /** Prepares the judgment of a change against the current schema. */
  static async prepare(db: Database, catalog: ReadonlyMap<string, CollectionDefinition>, change: ChangeEvent): Promise<ChangeJudge> {
    const def = catalog.get(change.collection);
    const related = new Map<string, Row>();
    if (def) {
      const paths: Array<readonly Hop[]> = [];
      for (const source of [def.rules.list, def.rules.view]) {
        if (source && source.trim() !== '') paths.push(...compile(schemaLookup(catalog), def.name, source).relationPaths);
      }
      if (paths.length) {
        const roots = change.previous ? [change.record, change.previous] : [change.record];
        await prefetchRelated(db, catalog, paths, roots, related);
      }
    }
    return new ChangeJudge(change, def, catalog, related);
  }

  /** Whether the viewer sees the record as it is now (`record`) or was before the update (`previous`). */
  sees(viewer: Viewer, interest: Interest, which: 'record' | 'previous'): boolean {
    const row = which === 'record' ? this.change.record : this.change.previous;
    if (!row) return false;
    const condition = this.condition(interest, viewer.privileged);
    if (condition === false) return false;
    if (condition === true) return true;
    // Viewers the condition cannot tell apart share one answer.
    const key = condition.personal ? `${which}\u0000${viewer.key}` : which;
    let answer = condition.answers.get(key);
    if (answer === undefined) {
      const env = { auth: viewer.auth, now: this.now };
      const related = (collection: string, id: string) => this.related.get(`${collection}\u0000${id}`);
      answer = condition.parts.every((part) => part.evaluate(row, env, related));
      condition.answers.set(key, answer);
    }
    return answer;
  }

  /**
   * The rule and filter of an interest, compiled once per change: true / false
   * when the answer is the same for every row and viewer.
   */
  private condition(interest: Interest, privileged: boolean): Condition | boolean {
    const cache = privileged ? this.privilegedConditions : this.conditions;
    const key = interestKey(interest);
    let condition = cache.get(key);
    if (condition === undefined) {
      cache.set(key, (condition = this.bindCondition(interest, privileged)));
    }
    return condition;
  }

  private bindCondition(interest: Interest, privileged: boolean): Condition | boolean {
    if (!this.def) return false;
    const rule = privileged ? '' : this.def.rules[interest.rule];
    if (rule === null || rule === undefined) return false;
    const parts: Compiled[] = [];
    for (const source of [rule, interest.filter ?? '']) {
      if (source.trim() === '') continue;
      const part = this.compiled(source);
      if (part === null) return false;
      parts.push(part);
    }
    if (parts.length === 0) return true;
    return { parts, personal: parts.some((part) => part.readsAuth), answers: new Map() };
  }

  /** null when the expression no longer compiles (a field was removed since the subscription). */
  private compiled(source: string): Compiled | null {
    try {
      return compile(schemaLookup(this.catalog), this.def!.name, source);
    } catch {
      return null;
    }
  }
}

/** Loads the records the relation paths reach from `roots`, hop by hop, into `into` (`collection\0id` -> record). */
async function prefetchRelated(
  db: Database,
  catalog: ReadonlyMap<string, CollectionDefinition>,
  paths: ReadonlyArray<readonly Hop[]>,
  roots: RecordData[],
  into: Map<string, Row>,
): Promise<void> {
  for (const path of paths) {
    let frontier: Row[] = roots;
    for (const hop of path) {
      const ids = new Set<string>();
      for (const row of frontier) {
        const ref = row[hop.field];
        for (const id of Array.isArray(ref) ? ref : [ref]) if (typeof id === 'string') ids.add(id);
      }
      const missing = [...ids].filter((id) => !into.has(`${hop.target}\u0000${id}`));
      if (missing.length) {
        const rows = await db.all<DbRow>(sql`SELECT * FROM ${db.table(tableName(hop.target))} WHERE id IN (${sql.join(missing.map((id) => sql`${id}`), sql`, `)})`);
        const def = catalog.get(hop.target);
        for (const row of rows) into.set(`${hop.target}\u0000${row.id}`, hop.target === 'users' || !def ? userRow(row) : rowToRecord(def, row, db.dialect));
      }
      frontier = [...ids].map((id) => into.get(`${hop.target}\u0000${id}`)).filter((r): r is Row => r !== undefined);
    }
  }
}

/** The fields of a user that rules may read (see @baas/query lookup.ts). */
function userRow(row: DbRow): Row {
  return {
    id: row.id,
    verified: Boolean(Number(row.verified)),
    anonymous: Boolean(Number(row.anonymous)),
    role: row.role ?? null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
