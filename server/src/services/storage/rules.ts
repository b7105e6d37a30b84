import { sql, type SQL } from 'drizzle-orm';
import {
  bind, evaluateBound, parse, toSqlBound,
  type AuthInfo, type BoundExpr, type BoundOperand, type Dialect, type Env, type FieldInfo, type SchemaLookup,
} from '@baas/query';
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
 * Rules are bound against a virtual record of collection `storage` whose
 * fields are the object's (so `path`, `size`... read as in a collection),
 * plus `object`, a relation to a virtual collection `object` with the same
 * fields, which makes `object.path` an ordinary relation path for
 * @baas/query. Both name the same object: `flatten` removes the hop.
 */
const ROOT = 'storage';
const OBJECT = 'object';
const objectFields: Record<string, FieldInfo> = {
  bucket: { type: 'text' },
  path: { type: 'text' },
  size: { type: 'integer' },
  contentType: { type: 'text' },
  owner: { type: 'text' },
};

const lookup: SchemaLookup = {
  field(collection, name) {
    if (collection === ROOT && name === OBJECT) return { type: 'relation', collection: OBJECT };
    if (collection === ROOT || collection === OBJECT) return Object.hasOwn(objectFields, name) ? objectFields[name] : undefined;
    return undefined;
  },
};

/** The expression with `object.x` read as the plain field `x`: one row to judge, no relation to follow. */
function flatten(expr: BoundExpr): BoundExpr {
  switch (expr.k) {
    case 'and':
    case 'or':
      return { k: expr.k, items: expr.items.map(flatten) };
    case 'not':
      return { k: 'not', expr: flatten(expr.expr) };
    case 'truthy':
      return { k: 'truthy', operand: flattenOperand(expr.operand) };
    case 'compare':
      return { ...expr, left: flattenOperand(expr.left), right: flattenOperand(expr.right) };
  }
}

function flattenOperand(o: BoundOperand): BoundOperand {
  switch (o.k) {
    case 'field':
      return { ...o, hops: [] };
    case 'call':
      return { ...o, arg: flattenOperand(o.arg) };
    case 'condition':
      return { ...o, expr: flatten(o.expr) };
    default:
      return o;
  }
}

const bound = new Map<string, BoundExpr>();

function compile(source: string): BoundExpr {
  let expr = bound.get(source);
  if (!expr) {
    expr = flatten(bind(parse(source), { schema: lookup, collection: ROOT }));
    if (bound.size >= 1000) bound.clear();
    bound.set(source, expr);
  }
  return expr;
}

/** Validates a bucket rule when it is saved: 400 `invalid_rule` pointing at the problem. */
export function checkBucketRule(name: 'read' | 'write', source: string | null): void {
  if (source === null || source.trim() === '') return;
  orQueryError('invalid_rule', `${name} rule`, () => compile(source), { rule: name });
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
  return evaluateBound(compile(source), { ...object }, { schema: lookup, collection: ROOT, env: envOf(caller) });
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
  return toSqlBound(compile(source), {
    dialect,
    schema: lookup,
    collection: ROOT,
    alias: objects,
    // Never called: flatten() leaves no relation to follow.
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
