/**
 * One expression (a rule, a filter) compiled once against a schema, with what
 * the server asks of it: evaluation in memory, SQL for a dialect, and the
 * inspections realtime judges changes by. `compile` caches by schema identity
 * and source, bounded: rules and an app's filters repeat on every request, and
 * a schema change gives a new lookup (see `schemaLookup`), so a fresh cache.
 */
import type { SQL } from 'drizzle-orm';
import type { Expr } from './ast.ts';
import { bind, operandsOf, type BoundExpr, type Hop } from './check.ts';
import { evaluateBound } from './evaluate.ts';
import type { Env, EvalContext, Row, SchemaLookup, SqlContext } from './index.ts';
import { parse } from './parser.ts';
import { toSqlBound } from './sql.ts';
import { envValue } from './values.ts';

/** What `Compiled.toSql` needs beyond the schema and collection it was compiled for. */
export type CompiledSqlContext = Omit<SqlContext, 'schema' | 'collection'>;

/** An expression parsed and bound against one collection of one schema. */
export class Compiled {
  /**
   * Reads through a relation: judging it in memory needs the related records.
   * One that does not is judged on a record in memory with exactly the SQL's
   * answer (the agreement the property test proves), without a query.
   */
  readonly readsRelations: boolean;
  /** Reads `auth.*`: if not, every caller gets the same answer. */
  readonly readsAuth: boolean;
  /**
   * Reads a field of the record (its own or through a relation). One that
   * does not (`auth.id != null`) has one answer for every row of a request,
   * which `evaluate` gives on any row, the SQL's answer.
   */
  readonly readsFields: boolean;
  /** The relation hops of each path that follows one, for prefetching related records. */
  readonly relationPaths: ReadonlyArray<readonly Hop[]>;
  /**
   * The request values it reads (`auth.id`, `now`, `request.data.x`), once
   * each: its SQL and its answer depend on nothing else of the request, which
   * is what lets the server reuse a statement built for the same values.
   */
  readonly envPaths: ReadonlyArray<readonly string[]>;

  constructor(
    readonly schema: SchemaLookup,
    readonly collection: string,
    readonly bound: BoundExpr,
  ) {
    const operands = operandsOf(bound);
    this.relationPaths = operands.flatMap((o) => (o.k === 'field' && o.hops.length > 0 ? [o.hops] : []));
    this.readsRelations = this.relationPaths.length > 0;
    this.readsAuth = operands.some((o) => o.k === 'env' && o.path[0] === 'auth');
    this.readsFields = operands.some((o) => o.k === 'field');
    const paths = new Map<string, readonly string[]>();
    for (const o of operands) if (o.k === 'env') paths.set(o.path.join('.'), o.path);
    this.envPaths = [...paths.values()];
  }

  /** The values of `envPaths` in `env`, as one string: equal strings, equal SQL and answers (for the same schema and source). */
  envKey(env: Env): string {
    return this.envPaths.length === 0 ? '' : JSON.stringify(this.envPaths.map((path) => envValue(env, path)));
  }

  /** Whether `row` (a decoded record) satisfies it; `related` finds the records relation paths reach. */
  evaluate(row: Row, env: Env, related?: EvalContext['related']): boolean {
    return evaluateBound(this.bound, row, { schema: this.schema, collection: this.collection, env, related });
  }

  /** The condition for `WHERE`, true exactly where `evaluate` is; `ctx.env` values become parameters. */
  toSql(ctx: CompiledSqlContext): SQL {
    // One literal shape, not a spread: the compiler reads this object all the
    // way down, and a spread copy made it measurably slower (micro-benchmark, CPU time per call).
    const { dialect, table, alias, env, visible, aliasPrefix } = ctx;
    return toSqlBound(this.bound, { dialect, schema: this.schema, collection: this.collection, table, alias, env, visible, aliasPrefix });
  }
}

/** How many expressions a cache keeps (per schema, and parsed sources overall); the oldest goes first. */
export const COMPILED_CACHE_SIZE = 1000;

const bySchema = new WeakMap<SchemaLookup, Map<string, Compiled>>();
// Parsed by source alone: a schema change binds again, but need not parse again.
const parsed = new Map<string, Expr>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= COMPILED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/**
 * `source` compiled against `collection` of `schema`, from the cache when it
 * was compiled before. Throws QueryError (nothing is cached) when it does not
 * parse or bind.
 */
export function compile(schema: SchemaLookup, collection: string, source: string): Compiled {
  let cache = bySchema.get(schema);
  if (!cache) bySchema.set(schema, (cache = new Map()));
  const key = `${collection}\u0000${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const expr = parsed.get(source) ?? remember(parsed, source, parse(source));
  return remember(cache, key, new Compiled(schema, collection, bind(expr, { schema, collection })));
}
