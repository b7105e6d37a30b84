import { sql, type SQL } from 'drizzle-orm';
import { compile, tableSchema, type AuthInfo, type Compiled, type Dialect, type Env, type FieldInfo } from '@baas/query';
import { orQueryError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import { authOf, isPrivileged, type Actor } from '../context.ts';

/** What a bucket rule sees of an object. `owner` is the uploader's user id (null for the service role and guests). */
export interface RuleObject {
  bucket: string;
  path: string;
  size: number | null;
  /** null only when a write URL is signed without saying what will be uploaded. */
  contentType: string | null;
  owner: string | null;
}

/**
 * Who a bucket rule judges: the service role and admins (`privileged`, never
 * subject to rules), or `auth` (null for a guest). A request's actor, or the
 * signer of a signed URL.
 */
export interface RuleCaller {
  privileged: boolean;
  auth: AuthInfo | null;
}

/** The caller of a request, as bucket rules see it. */
export function callerOf(actor: Actor): RuleCaller {
  return { privileged: isPrivileged(actor), auth: authOf(actor) };
}

/**
 * Rules are compiled against a virtual record of collection `storage` whose
 * fields are the object's (so `path`, `size`... read as in a collection),
 * plus `object`, a self relation to a virtual collection `object` with the
 * same fields: `object.path` reads the same row's `path`, with no hop.
 */
const ROOT = 'storage';
const objectFields: Record<string, FieldInfo> = {
  bucket: { type: 'text' },
  path: { type: 'text' },
  size: { type: 'integer' },
  contentType: { type: 'text' },
  owner: { type: 'text' },
};
const schema = tableSchema({
  [ROOT]: { ...objectFields, object: { type: 'relation', collection: 'object', self: true } },
  object: objectFields,
});

const compiled = (source: string): Compiled => compile(schema, ROOT, source);

/** Validates a bucket rule when it is saved: 400 `invalid_rule` pointing at the problem. */
export function checkBucketRule(name: 'read' | 'write', source: string | null): void {
  if (source === null || source.trim() === '') return;
  orQueryError('invalid_rule', `${name} rule`, () => compiled(source), { rule: name });
}

const envOf = (caller: RuleCaller): Env => ({ auth: caller.auth, now: nowIso() });

/**
 * Whether the caller may act on the object under `source`: the service role
 * and admins always; null = nobody else; "" = everyone; otherwise the rule,
 * evaluated in memory against the object and the caller.
 */
export function allowedByRule(caller: RuleCaller, source: string | null, object: RuleObject): boolean {
  if (caller.privileged) return true;
  if (source === null) return false;
  if (source.trim() === '') return true;
  return compiled(source).evaluate({ ...object }, envOf(caller));
}

/**
 * The same rule as an SQL condition on the rows of `objects` (a derived
 * table with the rule's field names as columns, see objectColumns), so a
 * listing filters in the query and pages only over what the caller may see;
 * undefined when nothing is filtered. The query package proves that the SQL
 * and the in-memory evaluation agree.
 */
export function ruleCondition(caller: RuleCaller, source: string | null, dialect: Dialect, objects: SQL): SQL | undefined {
  if (caller.privileged) return undefined;
  if (source === null) return sql`1 = 0`;
  if (source.trim() === '') return undefined;
  return compiled(source).toSql({
    dialect,
    alias: objects,
    // Never called: the self relation leaves no hop to follow.
    table: () => objects,
    env: envOf(caller),
  });
}

/**
 * The columns of `_objects` plus `contentType`, the name rules use for
 * content_type (compared byte-wise on PostgreSQL, as in memory; path is a
 * byte-ordered column already): select these as a derived table to apply
 * ruleCondition to it.
 */
export function objectColumns(dialect: Dialect): SQL {
  return sql`*, content_type${dialect === 'postgres' ? sql.raw(' COLLATE "C"') : sql``} AS ${sql.identifier('contentType')}`;
}
