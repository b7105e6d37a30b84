/**
 * Compilation to a parameterized drizzle `SQL` boolean expression for SQLite or PostgreSQL.
 *
 * Every sub-expression yields a non-null boolean (SQLite 0/1, PostgreSQL boolean), so
 * NOT is exact negation and the result agrees with `evaluate` (values.ts semantics).
 * Environment values are known at compile time: comparisons between constants are folded
 * with the evaluator's own functions, and a constant compared with a column is bound as
 * a parameter only when its runtime type matches the column's (a mismatch compiles to a
 * constant, which also keeps SQLite's type affinity from turning '5' = 5 true).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Expr } from './ast.ts';
import { bind, type BoundExpr, type BoundOperand, type Hop } from './check.ts';
import type { Dialect, SqlContext } from './index.ts';
import { asciiLower, compare, envValue, fromJs, lengthOf, lowerOf, segmentOf, TRUE, type ColumnType, type Value } from './values.ts';

/** A compiled boolean; `c` is set when it is a known constant (for folding). */
interface Bool {
  sql: SQL;
  c?: boolean;
}

/** An operand during compilation: a known value or a column-valued SQL expression (maybe NULL). */
type Term = { k: 'const'; value: Value } | { k: 'sql'; sql: SQL; type: ColumnType; integer?: boolean };

/** Reads a column of "the current row" (the main table, a related row, or a scalar subquery). */
type Scope = (column: string) => SQL;

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const orderOps = { '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;
const flipped = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;

/**
 * Compiles an expression for `WHERE`: the SQL is true exactly where `evaluate` is true,
 * and elsewhere false or NULL (alike in WHERE; this lets comparisons stay index-friendly).
 * Throws QueryError like `check` (names are resolved against `ctx.schema`). Identifiers are
 * quoted with `sql.identifier`; every value from the expression or from `ctx.env` is a
 * bound parameter.
 */
export function toSql(expr: Expr, ctx: SqlContext): SQL {
  return toSqlBound(bind(expr, ctx), ctx);
}

/** Compiles an already bound expression (see `bind`). */
export function toSqlBound(expr: BoundExpr, ctx: SqlContext): SQL {
  return new Compiler(ctx).condition(expr).sql;
}

class Compiler {
  private readonly d: Dialect;
  private aliases = 0;
  private readonly main: Scope;
  /**
   * Polarity. The result of toSql goes into WHERE, where NULL already acts as
   * false, and so it does through AND and OR. There a comparison may be left
   * as plain `col > ?` / `col = ?`, which the engines can answer from an index
   * (coalesce(...) and IS NOT DISTINCT FROM hide the column from the planner).
   * Under NOT, or where a condition is used as a value, it must be exact.
   */
  private loose = true;

  constructor(private readonly ctx: SqlContext) {
    this.d = ctx.dialect;
    const table = ctx.alias ?? ctx.table(ctx.collection);
    this.main = (column) => sql`${table}.${sql.identifier(column)}`;
  }

  private constant(value: boolean): Bool {
    if (this.d === 'sqlite') return { sql: value ? sql`1` : sql`0`, c: value };
    return { sql: value ? sql`true` : sql`false`, c: value };
  }

  /** Wraps a possibly-NULL SQL boolean so NULL reads as false. */
  /** A comparison that SQL may answer with NULL: exact (NULL -> false) unless loose. */
  private coalesce(expr: SQL): Bool {
    if (this.loose) return { sql: expr };
    return { sql: this.d === 'sqlite' ? sql`coalesce(${expr}, 0)` : sql`coalesce(${expr}, false)` };
  }

  /** Compiles with exact two-valued results: under NOT, a NULL must read as false before it is negated. */
  private exactly<T>(compile: () => T): T {
    const was = this.loose;
    this.loose = false;
    try {
      return compile();
    } finally {
      this.loose = was;
    }
  }

  private alias(prefix: string): SQL {
    // Double underscores keep the aliases clear of collection names, so an inner alias
    // never shadows the outer table a correlated subquery refers to.
    return sql`${sql.identifier(`__${this.ctx.aliasPrefix ?? ''}${prefix}${++this.aliases}`)}`;
  }

  /** A constant as a parameter. SQLite cannot bind booleans (0/1); PostgreSQL gets explicit types. */
  private param(value: Value): SQL {
    switch (value.t) {
      case 'string':
        return this.d === 'sqlite' ? sql`${value.v}` : sql`${value.v}::text`;
      case 'number':
        // double precision, so 1.5 compared with a bigint column is not cast to bigint.
        return this.d === 'sqlite' ? sql`${value.v}` : sql`${value.v}::double precision`;
      case 'boolean':
        return this.d === 'sqlite' ? sql`${value.v ? 1 : 0}` : sql`${value.v}::boolean`;
      default:
        throw new Error(`cannot bind a ${value.t} value`);
    }
  }

  /** Whether a term is an integer column (bigint on PostgreSQL). */
  private integerColumn(t: Term): boolean {
    return t.k === 'sql' && t.integer === true;
  }

  /**
   * A constant compared with a column. PostgreSQL compares bigint with double
   * precision by casting the column, which no index on it can serve; an
   * integer constant for an integer column binds as bigint instead.
   */
  private paramFor(column: Term, value: Value): SQL {
    if (this.d === 'postgres' && this.integerColumn(column) && value.t === 'number' && Number.isSafeInteger(value.v)) {
      return sql`${value.v}::bigint`;
    }
    return this.param(value);
  }

  /** ASCII-only lower case, same as values.asciiLower (PostgreSQL's lower() depends on the collation). */
  private fold(expr: SQL): SQL {
    return this.d === 'sqlite' ? sql`lower(${expr})` : sql`translate(${expr}, ${sql.raw(`'${UPPER}'`)}, ${sql.raw(`'${LOWER}'`)})`;
  }

  /** A PostgreSQL jsonb value as an array: anything that is not an array (NULL included) reads as []. */
  private pgArray(expr: SQL): SQL {
    return sql`(case when jsonb_typeof(${expr}) = 'array' then ${expr} else '[]'::jsonb end)`;
  }

  condition(expr: BoundExpr): Bool {
    switch (expr.k) {
      case 'and':
      case 'or': {
        const absorbing = expr.k === 'or';
        const parts: SQL[] = [];
        for (const item of expr.items) {
          const b = this.condition(item);
          if (b.c === absorbing) return this.constant(absorbing);
          if (b.c === undefined) parts.push(b.sql);
        }
        if (parts.length === 0) return this.constant(!absorbing);
        if (parts.length === 1) return { sql: parts[0] };
        return { sql: sql`(${sql.join(parts, expr.k === 'and' ? sql` and ` : sql` or `)})` };
      }
      case 'not': {
        const b = this.exactly(() => this.condition(expr.expr));
        return b.c === undefined ? { sql: sql`(not ${b.sql})` } : this.constant(!b.c);
      }
      case 'truthy':
        return this.operand(expr.operand, (t) => this.equals(t, { k: 'const', value: TRUE }, false));
      case 'compare':
        return this.operand(expr.left, (l) => this.operand(expr.right, (r) => this.compare(expr.op, l, r)));
    }
  }

  /**
   * Continuation-passing: `k` receives the operand as a Term. A path through a many-valued
   * relation wraps whatever `k` builds in EXISTS over the related records (any-semantics).
   */
  private operand(o: BoundOperand, k: (t: Term) => Bool): Bool {
    switch (o.k) {
      case 'literal':
        return k({ k: 'const', value: o.value });
      case 'env':
        return k({ k: 'const', value: fromJs(envValue(this.ctx.env, o.path)) });
      case 'condition': {
        const b = this.exactly(() => this.condition(o.expr));
        return k(b.c === undefined ? { k: 'sql', sql: b.sql, type: 'boolean' } : { k: 'const', value: { t: 'boolean', v: b.c } });
      }
      case 'call':
        return this.operand(o.arg, (t) => k(o.fn === 'length' ? this.length(t) : o.fn === 'lower' ? this.lower(t) : this.segment(t, o.index!)));
      case 'field':
        return this.path(o.hops, 0, this.main, (scope) => k({ k: 'sql', sql: scope(o.name), type: o.type, integer: o.integer }));
    }
  }

  private path(hops: Hop[], i: number, scope: Scope, k: (scope: Scope) => Bool): Bool {
    if (i === hops.length) return k(scope);
    const hop = hops[i];
    const ref = scope(hop.field);
    const table = this.ctx.table(hop.target);
    const t = this.alias('q');
    // A related row the caller may not see reads as missing (see SqlContext.visible).
    const guard = this.ctx.visible?.(hop.target, t);
    const seen = guard ? sql` and (${guard})` : sql``;
    if (!hop.multiple) {
      // Scalar subquery per column read: a null or dangling reference reads as NULL.
      const related: Scope = (column) =>
        sql`(select ${t}.${sql.identifier(column)} from ${table} as ${t} where ${t}.${sql.identifier('id')} = ${ref}${seen})`;
      return this.path(hops, i + 1, related, k);
    }
    const j = this.alias('j');
    const inner = this.path(hops, i + 1, (column) => sql`${t}.${sql.identifier(column)}`, k);
    if (inner.c === false) return inner;
    if (this.d === 'sqlite') {
      return {
        sql: sql`exists (select 1 from json_each(${ref}) as ${j} join ${table} as ${t} on ${j}.type = 'text' and ${t}.${sql.identifier('id')} = ${j}.value where ${inner.sql}${seen})`,
      };
    }
    return {
      sql: sql`exists (select 1 from jsonb_array_elements(${this.pgArray(ref)}) as ${j}(v) join ${table} as ${t} on jsonb_typeof(${j}.v) = 'string' and ${t}.${sql.identifier('id')} = (${j}.v #>> '{}') where ${inner.sql}${seen})`,
    };
  }

  private length(t: Term): Term {
    if (t.k === 'const') return { k: 'const', value: lengthOf(t.value) };
    if (t.type === 'multi') {
      const sqlExpr =
        this.d === 'sqlite'
          ? sql`coalesce(json_array_length(${t.sql}), 0)`
          : sql`(case when jsonb_typeof(${t.sql}) = 'array' then jsonb_array_length(${t.sql}) else 0 end)`;
      return { k: 'sql', sql: sqlExpr, type: 'number' };
    }
    if (t.type === 'string') {
      const sqlExpr = this.d === 'sqlite' ? sql`coalesce(length(${t.sql}), 0)` : sql`coalesce(char_length(${t.sql}), 0)`;
      return { k: 'sql', sql: sqlExpr, type: 'number' };
    }
    // check() refuses length() of other column types; this keeps the semantics total anyway.
    return { k: 'const', value: { t: 'other' } };
  }

  private lower(t: Term): Term {
    if (t.k === 'const') return { k: 'const', value: lowerOf(t.value) };
    if (t.type === 'string') return { k: 'sql', sql: this.fold(t.sql), type: 'string' };
    return { k: 'const', value: { t: 'other' } };
  }

  /**
   * values.segmentOf in SQL. SQLite has no split function: the text becomes a
   * JSON array (json_quote escapes it, then each '/' closes one element and
   * opens the next) whose n-th element json_extract reads, NULL past the end.
   * PostgreSQL: string_to_array, whose subscript past the end is NULL too.
   */
  private segment(t: Term, n: number): Term {
    if (t.k === 'const') return { k: 'const', value: segmentOf(t.value, n) };
    if (t.type !== 'string') return { k: 'const', value: { t: 'other' } };
    const sqlExpr = this.d === 'sqlite'
      ? sql`(case when ${t.sql} <> '' then json_extract('[' || replace(json_quote(${t.sql}), '/', '","') || ']', ${`$[${n}]`}) end)`
      : sql`((string_to_array(${t.sql}, '/'))[${sql.raw(String(n + 1))}] COLLATE "C")`;
    return { k: 'sql', sql: sqlExpr, type: 'string' };
  }

  private compare(op: Parameters<typeof compare>[0], l: Term, r: Term): Bool {
    if (l.k === 'const' && r.k === 'const') return this.constant(compare(op, l.value, r.value));
    switch (op) {
      case '=':
        return this.equals(l, r, false);
      case '!=':
        return this.equals(l, r, true);
      case '~':
        return this.contains(l, r, false);
      case '!~':
        return this.contains(l, r, true);
      case 'in':
        return this.member(l, r);
      default:
        return this.order(op, l, r);
    }
  }

  private nullSafeEquals(a: SQL, b: SQL, negate: boolean): Bool {
    if (this.d === 'sqlite') return { sql: negate ? sql`(${a} is not ${b})` : sql`(${a} is ${b})` };
    return { sql: negate ? sql`(${a} is distinct from ${b})` : sql`(${a} is not distinct from ${b})` };
  }

  private isNull(a: SQL, negate: boolean): Bool {
    return { sql: negate ? sql`(${a} is not null)` : sql`(${a} is null)` };
  }

  /** Null-safe `=` (negate: `!=`), mirroring values.equals. */
  private equals(l: Term, r: Term, negate: boolean): Bool {
    if (l.k === 'const') [l, r] = [r, l];
    if (l.k !== 'sql') return this.constant(compare(negate ? '!=' : '=', l.value, (r as Extract<Term, { k: 'const' }>).value));
    if (r.k === 'const') {
      if (r.value.t === 'null') return this.isNull(l.sql, negate);
      if (r.value.t === l.type) {
        // An integer column never equals a fractional number.
        if (this.integerColumn(l) && r.value.t === 'number' && !Number.isInteger(r.value.v)) return this.constant(negate);
        const value = this.paramFor(l, r.value);
        // Against a non-null constant, plain `=` is NULL exactly where the null-safe form is false.
        if (this.loose && !negate) return { sql: sql`(${l.sql} = ${value})` };
        return this.nullSafeEquals(l.sql, value, negate);
      }
      // A non-null constant of another type never equals the column, whatever it holds.
      return this.constant(negate);
    }
    if (l.type === r.type && l.type !== 'multi' && l.type !== 'json') return this.nullSafeEquals(l.sql, r.sql, negate);
    // Different types (or opaque json/multi values) are equal only when both are null.
    const both = sql`(${l.sql} is null and ${r.sql} is null)`;
    return { sql: negate ? sql`(not ${both})` : both };
  }

  /** `< <= > >=`: only string/string and number/number compare; NULL reads as false. */
  private order(op: '<' | '<=' | '>' | '>=', l: Term, r: Term): Bool {
    if (l.k === 'const') {
      [l, r] = [r, l];
      op = flipped[op];
    }
    if (l.k !== 'sql') return this.constant(false);
    const type = l.type;
    if (type !== 'string' && type !== 'number') return this.constant(false);
    let right: SQL;
    if (r.k === 'const') {
      if (r.value.t !== type) return this.constant(false);
      let value = r.value;
      if (this.integerColumn(l) && value.t === 'number' && !Number.isInteger(value.v)) {
        // Same rows, integer bound: n > 1.5 is n > 1, n >= 1.5 is n >= 2 (and so on).
        value = { t: 'number', v: op === '>' || op === '<=' ? Math.floor(value.v) : Math.ceil(value.v) };
      }
      right = this.paramFor(l, value);
    } else {
      if (r.type !== type) return this.constant(false);
      right = r.sql;
    }
    const operator = sql.raw(orderOps[op]);
    if (type === 'number') return this.coalesce(sql`${l.sql} ${operator} ${right}`);
    // Byte order in both engines: explicit, so it holds even for columns created without it.
    const collate = this.d === 'sqlite' ? sql.raw('collate binary') : sql.raw('collate "C"');
    return this.coalesce(sql`(${l.sql} ${collate}) ${operator} ${right}`);
  }

  /** `~` / `!~`: ASCII case-insensitive containment of two strings; false when either is not a string. */
  private contains(l: Term, r: Term, negate: boolean): Bool {
    const side = (t: Term): SQL | undefined => {
      if (t.k === 'const') return t.value.t === 'string' ? this.param({ t: 'string', v: asciiLower(t.value.v) }) : undefined;
      return t.type === 'string' ? this.fold(t.sql) : undefined;
    };
    const hay = side(l);
    const needle = side(r);
    if (!hay || !needle) return this.constant(false);
    const found = this.d === 'sqlite' ? sql`instr(${hay}, ${needle})` : sql`strpos(${hay}, ${needle})`;
    return this.coalesce(negate ? sql`${found} = 0` : sql`${found} > 0`);
  }

  /** `in`: list membership (null-safe equality with some item) or many-valued field membership. */
  private member(l: Term, r: Term): Bool {
    if (r.k === 'const') {
      if (r.value.t !== 'list' || l.k !== 'sql') return this.constant(false);
      const type = l.type;
      const same = r.value.items.filter(
        (item) =>
          item.t === type &&
          (type === 'string' || type === 'number' || type === 'boolean') &&
          !(this.integerColumn(l) && item.t === 'number' && !Number.isInteger(item.v)),
      );
      const parts: SQL[] = [];
      if (same.length) {
        parts.push(this.coalesce(sql`${l.sql} in (${sql.join(same.map((item) => this.paramFor(l, item)), sql`, `)})`).sql);
      }
      if (r.value.items.some((item) => item.t === 'null')) parts.push(this.isNull(l.sql, false).sql);
      if (parts.length === 0) return this.constant(false);
      return { sql: parts.length === 1 ? parts[0] : sql`(${sql.join(parts, sql` or `)})` };
    }
    if (r.type !== 'multi') return this.constant(false);
    let needle: SQL;
    let guard: SQL | undefined;
    if (l.k === 'const') {
      if (l.value.t !== 'string') return this.constant(false);
      needle = this.param(l.value);
    } else {
      if (l.type !== 'string') return this.constant(false);
      needle = l.sql;
      guard = sql`${l.sql} is not null`;
    }
    let found: SQL;
    if (this.d === 'sqlite') {
      const j = this.alias('j');
      found = sql`exists (select 1 from json_each(${r.sql}) as ${j} where ${j}.type = 'text' and ${j}.value = ${needle})`;
    } else {
      found = sql`${this.pgArray(r.sql)} @> jsonb_build_array(${needle})`;
    }
    return { sql: guard ? sql`(${guard} and ${found})` : sql`(${found})` };
  }
}
