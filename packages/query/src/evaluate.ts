/**
 * In-memory evaluation (realtime fan-out). Mirrors sql.ts: an operand evaluates to its
 * alternatives, one per related record when a path crosses a many-valued relation, and
 * a comparison holds if it holds for some pair of alternatives (SQL: nested EXISTS).
 */
import type { Expr } from './ast.ts';
import { bind, type BoundExpr, type BoundOperand } from './check.ts';
import type { EvalContext, Row } from './index.ts';
import { compare, equals, envValue, fromColumn, fromJs, lengthOf, lowerOf, segmentOf, TRUE, type Value } from './values.ts';

/**
 * Whether `row` (a decoded record of `ctx.collection`) satisfies the expression.
 * Relation paths read related records through `ctx.related`; without it, related
 * records count as missing (their fields are null). Throws QueryError like `check`.
 */
export function evaluate(expr: Expr, row: Row, ctx: EvalContext): boolean {
  return evaluateBound(bind(expr, ctx), row, ctx);
}

/** Evaluates an already bound expression (lets callers bind once and evaluate many rows). */
export function evaluateBound(expr: BoundExpr, row: Row, ctx: EvalContext): boolean {
  switch (expr.k) {
    case 'and':
      return expr.items.every((e) => evaluateBound(e, row, ctx));
    case 'or':
      return expr.items.some((e) => evaluateBound(e, row, ctx));
    case 'not':
      return !evaluateBound(expr.expr, row, ctx);
    case 'truthy':
      return alternatives(expr.operand, row, ctx).some((v) => equals(v, TRUE));
    case 'compare': {
      const rights = alternatives(expr.right, row, ctx);
      return alternatives(expr.left, row, ctx).some((l) => rights.some((r) => compare(expr.op, l, r)));
    }
  }
}

function alternatives(o: BoundOperand, row: Row, ctx: EvalContext): Value[] {
  switch (o.k) {
    case 'literal':
      return [o.value];
    case 'env':
      return [fromJs(envValue(ctx.env, o.path))];
    case 'condition':
      return [{ t: 'boolean', v: evaluateBound(o.expr, row, ctx) }];
    case 'call':
      return alternatives(o.arg, row, ctx).map((v) => (o.fn === 'length' ? lengthOf(v) : o.fn === 'lower' ? lowerOf(v) : segmentOf(v, o.index!)));
    case 'field': {
      // null stands for a missing related record: its fields read as null, like SQL's empty scalar subquery.
      let records: Array<Row | null> = [row];
      for (const hop of o.hops) {
        const next: Array<Row | null> = [];
        for (const record of records) {
          const ref = record?.[hop.field];
          if (!hop.multiple) {
            next.push(typeof ref === 'string' ? (ctx.related?.(hop.target, ref) ?? null) : null);
          } else if (Array.isArray(ref)) {
            // Like the SQL join: ids without a record contribute nothing.
            for (const id of ref) {
              const related = typeof id === 'string' ? ctx.related?.(hop.target, id) : undefined;
              if (related) next.push(related);
            }
          }
        }
        records = next;
      }
      return records.map((record) => fromColumn(record?.[o.name], o.type));
    }
  }
}
