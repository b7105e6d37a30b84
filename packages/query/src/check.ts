/**
 * Name resolution and static type checking. `bind` turns a parsed Expr into a resolved
 * tree (fields with their relation hops and column types, environment paths, typed
 * literals) that both the SQL compiler and the evaluator walk, so they cannot disagree
 * on what a name means. `check` is `bind` without using the result.
 */
import type { CompareNode, CompareOp, Expr, PathNode } from './ast.ts';
import { QueryError } from './errors.ts';
import type { FieldInfo, SchemaLookup } from './index.ts';
import { fromJs, type ColumnType, type Value } from './values.ts';

/** Types known before the expression runs; `dynamic` = environment data, typed at run time. */
export type StaticType = ColumnType | 'null' | 'list' | 'dynamic';

/** One step through a relation field on the way to a related record's field. */
export interface Hop {
  /** The relation field in the current collection. */
  field: string;
  /** The collection it points to. */
  target: string;
  /** Many-valued: the comparison holds if it holds for any related record. */
  multiple: boolean;
}

/** The functions of the language. */
export type FunctionName = 'length' | 'lower' | 'segment';

/** The highest index `segment()` accepts. */
export const MAX_SEGMENT_INDEX = 63;

/** A resolved operand. */
export type BoundOperand =
  | { k: 'literal'; value: Value; type: StaticType; pos: number }
  | { k: 'env'; path: string[]; type: StaticType; pos: number }
  /** `integer`: an integer column (PostgreSQL bigint), whose constants bind as integers so its index applies. */
  | { k: 'field'; hops: Hop[]; name: string; type: ColumnType; integer?: boolean; pos: number }
  /** `index`: segment()'s literal second argument. */
  | { k: 'call'; fn: FunctionName; arg: BoundOperand; index?: number; type: StaticType; pos: number }
  /** A parenthesised condition used as a boolean value: `(a = 1) = published`. */
  | { k: 'condition'; expr: BoundExpr; type: 'boolean'; pos: number };

/** A resolved condition. */
export type BoundExpr =
  | { k: 'and' | 'or'; items: BoundExpr[] }
  | { k: 'not'; expr: BoundExpr }
  | { k: 'compare'; op: CompareOp; left: BoundOperand; right: BoundOperand }
  /** A bare boolean operand used as a condition: means `operand = true`. */
  | { k: 'truthy'; operand: BoundOperand };

/** What resolution needs. */
export interface BindContext {
  schema: SchemaLookup;
  collection: string;
}

const systemFields: Record<string, FieldInfo> = {
  id: { type: 'text' },
  created_at: { type: 'date' },
  updated_at: { type: 'date' },
};

const authTypes: Record<string, StaticType> = {
  id: 'string',
  email: 'string',
  verified: 'boolean',
  anonymous: 'boolean',
  role: 'string',
};

const typeNames: Record<StaticType, string> = {
  string: 'text',
  number: 'number',
  boolean: 'boolean',
  null: 'null',
  list: 'list',
  multi: 'multiple',
  json: 'json',
  dynamic: 'value',
};

/** The column type of a field definition. */
export function columnType(info: FieldInfo): ColumnType {
  if (info.multiple && (info.type === 'select' || info.type === 'relation' || info.type === 'file')) return 'multi';
  switch (info.type) {
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'json';
    default:
      return 'string';
  }
}

/** A field of a collection (system fields included), or undefined when there is none. */
export function fieldInfo(ctx: BindContext, collection: string, name: string): FieldInfo | undefined {
  const info = ctx.schema.field(collection, name);
  // A lookup backed by a plain object can hand back inherited members ('constructor'): not fields.
  if (info && typeof info === 'object' && typeof info.type === 'string') return info;
  return Object.hasOwn(systemFields, name) ? systemFields[name] : undefined;
}

/** Resolves names and checks types; throws QueryError pointing at the offending token. */
export function bind(expr: Expr, ctx: BindContext): BoundExpr {
  return condition(expr, ctx);
}

/** Validates an expression against a collection's schema (see `bind`). */
export function check(expr: Expr, ctx: BindContext): void {
  bind(expr, ctx);
}

function condition(expr: Expr, ctx: BindContext): BoundExpr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { k: expr.kind, items: expr.operands.map((e) => condition(e, ctx)) };
    case 'not':
      return { k: 'not', expr: condition(expr.operand, ctx) };
    case 'compare':
      return comparison(expr, ctx);
    default: {
      const operand = bindOperand(expr, ctx);
      if (operand.type !== 'boolean' && operand.type !== 'dynamic') {
        throw new QueryError(`expected a condition but found ${describe(operand)}`, expr.pos);
      }
      return { k: 'truthy', operand };
    }
  }
}

function describe(o: BoundOperand): string {
  switch (o.k) {
    case 'literal':
      return o.type === 'null' ? 'null' : `a ${typeNames[o.type]} literal`;
    case 'field':
      return `${typeNames[o.type]} field '${o.name}'`;
    case 'env':
      return o.path.join('.');
    case 'call':
      return `${o.fn}(...)`;
    case 'condition':
      return 'a condition';
  }
}

function bindOperand(expr: Expr, ctx: BindContext): BoundOperand {
  switch (expr.kind) {
    case 'literal': {
      const value = fromJs(expr.value);
      return { k: 'literal', value, type: value.t as StaticType, pos: expr.pos };
    }
    case 'list':
      return { k: 'literal', value: fromJs(expr.items.map((i) => i.value)), type: 'list', pos: expr.pos };
    case 'path':
      return path(expr, ctx);
    case 'call':
      return call(expr, ctx);
    default:
      return { k: 'condition', expr: condition(expr, ctx), type: 'boolean', pos: expr.pos };
  }
}

function path(node: PathNode, ctx: BindContext): BoundOperand {
  const [root, ...rest] = node.segments;
  const pos = node.pos;
  // The environment names shadow fields of the same name: rules must always be able to reach them.
  if (root === 'now') {
    if (rest.length) throw new QueryError("'now' has no properties", node.positions[1]);
    return { k: 'env', path: ['now'], type: 'string', pos };
  }
  if (root === 'auth') {
    const key = rest[0];
    if (key === undefined) throw new QueryError("use 'auth.id' (null for a guest) instead of 'auth'", pos);
    if (key === 'data') return { k: 'env', path: node.segments, type: 'dynamic', pos };
    if (!Object.hasOwn(authTypes, key)) {
      throw new QueryError(`unknown property 'auth.${key}' (use id, email, verified, anonymous, role or data.*)`, node.positions[1]);
    }
    if (rest.length > 1) throw new QueryError(`'auth.${key}' has no properties`, node.positions[2]);
    return { k: 'env', path: node.segments, type: authTypes[key], pos };
  }
  if (root === 'request') {
    if (rest[0] !== 'data') throw new QueryError("use 'request.data.<field>'", node.positions[1] ?? pos);
    return { k: 'env', path: node.segments, type: 'dynamic', pos };
  }
  let collection = ctx.collection;
  const hops: Hop[] = [];
  for (let i = 0; ; i++) {
    const name = node.segments[i];
    const info = fieldInfo(ctx, collection, name);
    if (!info) {
      const where = i === 0 ? '' : ` in collection '${collection}'`;
      throw new QueryError(`unknown field '${name}'${where}`, node.positions[i]);
    }
    if (i === node.segments.length - 1) return { k: 'field', hops, name, type: columnType(info), integer: info.type === 'integer' || undefined, pos };
    if (info.type !== 'relation' || !info.collection) {
      throw new QueryError(`'${name}' is not a relation, so it has no field '${node.segments[i + 1]}'`, node.positions[i + 1]);
    }
    // A relation to the record itself reads the same row: no hop to follow.
    if (!info.self) hops.push({ field: name, target: info.collection, multiple: !!info.multiple });
    collection = info.collection;
  }
}

const arity: Record<FunctionName, number> = { length: 1, lower: 1, segment: 2 };

function call(node: Extract<Expr, { kind: 'call' }>, ctx: BindContext): BoundOperand {
  if (!Object.hasOwn(arity, node.name)) {
    throw new QueryError(`unknown function '${node.name}' (available: ${Object.keys(arity).join(', ')})`, node.pos);
  }
  const fn = node.name as FunctionName;
  if (node.args.length !== arity[fn]) throw new QueryError(`${fn}() takes exactly ${arity[fn]} argument${arity[fn] > 1 ? 's' : ''}`, node.pos);
  const arg = bindOperand(node.args[0], ctx);
  const accepted: StaticType[] = fn === 'length' ? ['string', 'multi', 'list', 'null', 'dynamic'] : ['string', 'null', 'dynamic'];
  if (!accepted.includes(arg.type)) {
    throw new QueryError(`${fn}() cannot take ${describe(arg)}`, arg.pos);
  }
  const type: StaticType = fn === 'length' ? 'number' : arg.type === 'dynamic' ? 'dynamic' : 'string';
  if (fn !== 'segment') return { k: 'call', fn, arg, type, pos: node.pos };
  const index = node.args[1];
  if (index.kind !== 'literal' || typeof index.value !== 'number' || !Number.isInteger(index.value) || index.value < 0 || index.value > MAX_SEGMENT_INDEX) {
    throw new QueryError(`segment()'s second argument must be a whole number from 0 to ${MAX_SEGMENT_INDEX}: segment(path, 0) is the first segment`, index.pos);
  }
  return { k: 'call', fn, arg, index: index.value, type, pos: node.pos };
}

/** Picks the operand to blame for a type mismatch: a literal if there is one, else the operator. */
function blame(node: CompareNode, left: BoundOperand, right: BoundOperand): number {
  if (right.k === 'literal') return right.pos;
  if (left.k === 'literal') return left.pos;
  return node.opPos;
}

const scalar = (t: StaticType) => t === 'string' || t === 'number' || t === 'boolean';

function comparison(node: CompareNode, ctx: BindContext): BoundExpr {
  const left = bindOperand(node.left, ctx);
  const right = bindOperand(node.right, ctx);
  const { op } = node;
  const l = left.type;
  const r = right.type;
  const mismatch = (hint = '') =>
    new QueryError(`cannot compare ${describe(left)} ${op} ${describe(right)}${hint}`, blame(node, left, right));

  if (op === 'in') {
    if (r === 'list') {
      if (!(scalar(l) || l === 'null' || l === 'dynamic')) throw mismatch();
      if (scalar(l)) {
        const items = (node.right as Extract<Expr, { kind: 'list' }>).items;
        if (right.k === 'literal' && right.value.t === 'list') {
          right.value.items.forEach((item, i) => {
            if (item.t !== 'null' && item.t !== l) {
              throw new QueryError(`cannot compare ${describe(left)} with a ${typeNames[item.t as StaticType]} in the list`, items[i].pos);
            }
          });
        }
      }
    } else if (r === 'multi') {
      if (!(l === 'string' || l === 'null' || l === 'dynamic')) throw mismatch();
    } else if (r !== 'dynamic') {
      throw new QueryError(`the right side of 'in' must be a list or a multiple field, not ${describe(right)}`, right.pos);
    }
    return { k: 'compare', op, left, right };
  }

  if (l === 'list' || r === 'list') {
    throw new QueryError("a list can only follow 'in'", l === 'list' ? left.pos : right.pos);
  }
  const loose = (t: StaticType) => t === 'null' || t === 'dynamic';
  if (op === '=' || op === '!=') {
    if (!(loose(l) || loose(r) || (scalar(l) && l === r))) {
      const hint = l === 'multi' || r === 'multi' ? " (use 'x in field' for a multiple field)" : '';
      throw mismatch(hint);
    }
  } else if (op === '~' || op === '!~') {
    for (const side of [left, right]) {
      if (!(side.type === 'string' || loose(side.type))) {
        throw new QueryError(`'${op}' needs text, not ${describe(side)}`, side.pos);
      }
    }
  } else {
    for (const side of [left, right]) {
      if (!(side.type === 'string' || side.type === 'number' || loose(side.type))) {
        throw new QueryError(`'${op}' needs numbers, text or dates, not ${describe(side)}`, side.pos);
      }
    }
    if (scalar(l) && scalar(r) && l !== r) throw mismatch();
  }
  return { k: 'compare', op, left, right };
}

/**
 * Every operand of a bound expression, nested ones (function arguments,
 * parenthesised conditions) included: the one walk the inspections share.
 */
export function operandsOf(expr: BoundExpr, into: BoundOperand[] = []): BoundOperand[] {
  const operand = (o: BoundOperand) => {
    into.push(o);
    if (o.k === 'call') operand(o.arg);
    else if (o.k === 'condition') operandsOf(o.expr, into);
  };
  switch (expr.k) {
    case 'and':
    case 'or':
      for (const item of expr.items) operandsOf(item, into);
      break;
    case 'not':
      operandsOf(expr.expr, into);
      break;
    case 'compare':
      operand(expr.left);
      operand(expr.right);
      break;
    case 'truthy':
      operand(expr.operand);
  }
  return into;
}
