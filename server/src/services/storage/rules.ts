import { bind, evaluateBound, parse, QueryError, type BoundExpr, type Env, type FieldInfo, type SchemaLookup } from '@baas/query';
import { ApiError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import { authOf, isPrivileged, type Actor } from '../context.ts';

/** What a bucket rule sees of an object. `owner` is the uploader's user id (null for the service role). */
export interface RuleObject {
  bucket: string;
  path: string;
  size: number | null;
  /** null only when a write URL is signed, before the upload says what it is. */
  contentType: string | null;
  owner: string | null;
}

/**
 * Rules run against a virtual record of collection `storage` with one field,
 * `object`, a relation to a virtual collection `object`; that makes
 * `object.path` an ordinary relation path for @baas/query. The same fields
 * are also readable as bare names (`path`, `size`...), as in a collection.
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

const bound = new Map<string, BoundExpr>();

function compile(source: string): BoundExpr {
  let expr = bound.get(source);
  if (!expr) {
    expr = bind(parse(source), { schema: lookup, collection: ROOT });
    if (bound.size >= 1000) bound.clear();
    bound.set(source, expr);
  }
  return expr;
}

/** Validates a bucket rule when it is saved: 400 `invalid_rule` pointing at the problem. */
export function checkBucketRule(name: 'read' | 'write', source: string | null): void {
  if (source === null || source.trim() === '') return;
  try {
    compile(source);
  } catch (err) {
    if (err instanceof QueryError) {
      throw new ApiError('invalid_rule', `invalid ${name} rule: ${err.message}`, { rule: name, position: err.position, column: err.column });
    }
    throw err;
  }
}

/**
 * Whether the actor may act on the object under `source`: the service role
 * and admins always; null = nobody else; "" = everyone; otherwise the rule,
 * evaluated in memory against the object and the caller.
 */
export function allowedByRule(actor: Actor, source: string | null, object: RuleObject): boolean {
  if (isPrivileged(actor)) return true;
  if (source === null) return false;
  if (source.trim() === '') return true;
  const env: Env = { auth: authOf(actor), now: nowIso() };
  const row = { ...object, [OBJECT]: 'this' };
  return evaluateBound(compile(source), row, { schema: lookup, collection: ROOT, env, related: () => ({ ...object }) });
}
