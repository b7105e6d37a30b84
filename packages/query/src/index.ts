/**
 * @baas/query — the filter and rule language of DESIGN.md.
 * Pure: parse -> AST; AST -> parameterized SQL (sqlite | postgres); AST -> in-memory evaluation.
 *
 * CONTRACT (the server codes against these signatures; implement them, extend if needed,
 * do not change their meaning):
 *
 *   parse(source: string): Expr
 *     throws QueryError { message: "unexpected ')' at column 14", position (0-based), column (1-based) }
 *
 *   parseSort(source: string, fieldExists: (name) => boolean): SortKey[]   // "-created_at,title"
 *     throws QueryError for syntax errors and unknown fields, with position
 *
 *   check(expr: Expr, ctx: { schema: SchemaLookup; collection: string }): void
 *     static validation: unknown fields / relation paths / functions, literal-vs-field type
 *     mismatches -> QueryError with the position of the offending token.
 *
 *   toSql(expr: Expr, ctx: SqlContext): SQL        // drizzle-orm SQL for WHERE: true exactly where evaluate() is
 *                                                  // (elsewhere false or NULL, which WHERE treats alike)
 *   evaluate(expr: Expr, row: Row, ctx: EvalContext): boolean
 *
 * Both must agree for every expression and row (nulls included).
 */
import type { SQL } from 'drizzle-orm';
import type { FieldType } from '@baas/protocol';

export type { CompareOp, Expr, LiteralNode, ListNode, PathNode, CallNode, NotNode, LogicalNode, CompareNode, Operand } from './ast.ts';
export { compareOps } from './ast.ts';
export { QueryError, MAX_SOURCE_LENGTH, MAX_DEPTH } from './errors.ts';
export { parse } from './parser.ts';
export { parseSort } from './sort.ts';
export { check, bind, columnType, fieldInfo } from './check.ts';
export {
  parseAggregate, parseGroupBy, parseSelect, parseAggregateSort, AggregateError, dateUnits, aggregateFunctions, MAX_GROUP_KEYS, MAX_METRICS,
} from './aggregate.ts';
export type {
  AggregateQuery, AggregateSource, AggregateParameter, AggregateOrder, AggregateFunction, DateUnit, GroupKey, Metric, ResultType,
} from './aggregate.ts';
export { aggregateToSql, aggregateItem } from './aggregate-sql.ts';
export type { AggregateSqlContext } from './aggregate-sql.ts';
export { parseSearch, fts5Match, fts5Phrase, tsQuery, tsPhrase, MAX_SEARCH_LENGTH, MAX_SEARCH_TERMS } from './search.ts';
export type { SearchQuery, SearchTerm } from './search.ts';
export type { BoundExpr, BoundOperand, BindContext, Hop, StaticType } from './check.ts';
export { toSql, toSqlBound } from './sql.ts';
export { evaluate, evaluateBound } from './evaluate.ts';
export { schemaLookup, serviceUsersLookup, tableSchema } from './lookup.ts';
export { compile, Compiled, COMPILED_CACHE_SIZE } from './compiled.ts';
export type { CompiledSqlContext } from './compiled.ts';

/** The SQL engines the compiler targets. */
export type Dialect = 'sqlite' | 'postgres';

/** What the compiler knows about one field (system fields included). */
export interface FieldInfo {
  type: FieldType;
  multiple?: boolean;
  /** relation: target collection name ('users' = the project's users table). */
  collection?: string;
  /**
   * relation: the target is the record itself under another name (a bucket rule's
   * `object.path` is its `path`), so its fields read from the same row, with no hop.
   */
  self?: boolean;
}

/** Schema access for the compiler: field info or undefined when unknown. */
export interface SchemaLookup {
  field(collection: string, name: string): FieldInfo | undefined;
}

/** The caller, as rules see it. null = guest (then auth.id etc. are null). */
export interface AuthInfo {
  id: string;
  email?: string | null;
  verified?: boolean;
  anonymous?: boolean;
  role?: string | null;
  data?: Record<string, unknown>;
}

/** Values known when the expression runs: bound as parameters, never inlined. */
export interface Env {
  auth: AuthInfo | null;
  request?: { data?: Record<string, unknown> };
  /** ISO-8601 UTC with milliseconds. */
  now: string;
}

/** What `toSql` needs: the dialect, the schema, table references and the environment. */
export interface SqlContext {
  dialect: Dialect;
  schema: SchemaLookup;
  /** The collection whose rows are filtered. */
  collection: string;
  /** Qualified reference of a collection's table (the server decides schema-qualification). */
  table(collection: string): SQL;
  /** How the main table is referred to in the surrounding query (default: table(collection)). */
  alias?: SQL;
  env: Env;
  /**
   * An extra condition a related row must meet to be seen through a relation path
   * (`row` is how that row is referred to). A client filter passes the target's view
   * rule here, so `author.name ~ 'x'` cannot probe authors the caller may not view.
   * Rules leave it out: they are the developer's, and may look wherever they need.
   */
  visible?(collection: string, row: SQL): SQL | undefined;
  /**
   * Prefix of the aliases this compilation invents. An expression compiled to be
   * embedded in another one's subquery (a `visible` guard) needs its own, or its
   * aliases would shadow the outer ones.
   */
  aliasPrefix?: string;
}

/** A decoded record as the API returns it: booleans, arrays for multiple, ISO dates. */
export type Row = Record<string, unknown>;

/** What `evaluate` needs: the schema, the environment and a lookup of related records. */
export interface EvalContext {
  schema: SchemaLookup;
  collection: string;
  env: Env;
  /** Synchronous lookup of a related record, for relation paths. */
  related?(collection: string, id: string): Row | undefined;
}

/** One key of a parsed sort: `-created_at` = { field: 'created_at', desc: true }. */
export interface SortKey {
  field: string;
  desc: boolean;
}
