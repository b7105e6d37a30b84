import { entityKind, Name, SQL, StringChunk } from 'drizzle-orm';

/** A statement's text and its parameters, in order. */
export interface SqlText {
  sql: string;
  params: unknown[];
}

/**
 * The text and parameters of a drizzle `sql` template, the same as the
 * dialect's `sqlToQuery` gives, built in one pass.
 *
 * Why not `sqlToQuery`: it opens a tracing span, copies its config and builds
 * a `{ sql, params }` object per chunk (then merges them), checking each
 * chunk against a dozen entity classes by walking its prototype chain. That
 * was ~8% of a record get's CPU. The server's queries are only templates,
 * identifiers, raw text, joins and plain values, which this walk handles;
 * anything else (a drizzle table or column, a `Param` with an encoder,
 * inlined parameters, an object with `getSQL`) answers undefined, and the
 * caller falls back to `sqlToQuery`.
 *
 * `numbered`: PostgreSQL's `$1, $2, ...` instead of SQLite's `?`.
 */
export function sqlText(query: SQL, numbered: boolean): SqlText | undefined {
  if (query instanceof ShapedSql) return { sql: numbered ? query.shape.numberedText : query.shape.text, params: query.params.slice() };
  if (inlines(query)) return undefined;
  const params: unknown[] = [];
  const text = chunksText(query.queryChunks, params, numbered ? numberedMark : questionMark);
  return text === undefined ? undefined : { sql: text, params };
}

/** How a placeholder is written, given the parameter's number (from 1). */
type Mark = (n: number) => string;
const questionMark: Mark = () => '?';
const numberedMark: Mark = (n) => `$${n}`;

function chunksText(chunks: readonly unknown[], params: unknown[], mark: Mark): string | undefined {
  let text = '';
  for (const chunk of chunks) {
    const part = chunkText(chunk, params, mark);
    if (part === undefined) return undefined;
    text += part;
  }
  return text;
}

function chunkText(chunk: unknown, params: unknown[], mark: Mark): string | undefined {
  if (chunk instanceof StringChunk) return chunk.value.length === 1 ? chunk.value[0] : chunk.value.join('');
  if (chunk instanceof SQL) return inlines(chunk) ? undefined : chunksText(chunk.queryChunks, params, mark);
  if (chunk instanceof Name) return escapeName(chunk.value);
  if (chunk === undefined) return '';
  if (Array.isArray(chunk)) {
    // drizzle writes an array as a parenthesized list of its items.
    let text = '(';
    for (let i = 0; i < chunk.length; i++) {
      const part = chunkText(chunk[i], params, mark);
      if (part === undefined) return undefined;
      text += i === 0 ? part : `, ${part}`;
    }
    return `${text})`;
  }
  if (chunk !== null && typeof chunk === 'object') {
    // Any other drizzle entity (Param, Placeholder, Table, Column, ...) or SQL wrapper: not ours to write.
    const type = (chunk as { constructor?: unknown }).constructor;
    if ((typeof type === 'function' && entityKind in type) || typeof (chunk as { getSQL?: unknown }).getSQL === 'function') return undefined;
  }
  params.push(chunk);
  return mark(params.length);
}

/** `.inlineParams()` was called on it (drizzle keeps the flag private). */
function inlines(query: SQL): boolean {
  return (query as unknown as { shouldInlineParams: boolean }).shouldInlineParams;
}

/** Both dialects quote identifiers alike: in double quotes, inner ones doubled. */
function escapeName(name: string): string {
  return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
}

/**
 * The text of a statement that only its parameters tell apart from the
 * last one of its kind (the same columns of the same table): written once,
 * then bound per call (`with`), so a hot write builds no drizzle template
 * and walks nothing. `segments` are the text between the parameters (one
 * more than there are). Each parameter is one plain value: an array would
 * be a list to drizzle's writer but one value to the fixed text.
 */
export class StatementShape {
  /** With SQLite's `?` placeholders. */
  readonly text: string;
  /** With PostgreSQL's `$1, $2, ...`. */
  readonly numberedText: string;
  private readonly chunks: readonly StringChunk[];

  constructor(segments: readonly string[]) {
    if (segments.length === 0) throw new Error('a statement shape has at least one segment');
    this.text = segments.join('?');
    this.numberedText = segments.reduce((text, segment, i) => `${text}$${i}${segment}`);
    this.chunks = segments.map((segment) => new StringChunk(segment));
  }

  /**
   * The shape of a template: its text, with a placeholder wherever it has a
   * parameter (their values are not kept). Anything `sqlText` does not write
   * is refused.
   */
  static of(template: SQL): StatementShape {
    const text = inlines(template) ? undefined : chunksText(template.queryChunks, [], () => SLOT);
    if (text === undefined) throw new Error('a statement shape is built of templates, identifiers, raw text and values');
    return new StatementShape(text.split(SLOT));
  }

  /** The statement with these parameters (owned by it from now on), in order. */
  with(params: unknown[]): SQL {
    if (params.length !== this.chunks.length - 1) {
      throw new Error(`this statement takes ${this.chunks.length - 1} parameters, not ${params.length}`);
    }
    return new ShapedSql(this, params, this.chunks);
  }
}

/** Where `StatementShape.of` cuts the text: a character no statement of ours has. */
const SLOT = '\u0000';

/**
 * A statement of a shape: read as the shape's text by `sqlText`, and an
 * ordinary drizzle SQL (the segments and parameters interleaved) anywhere
 * else, so drizzle's own writer and an enclosing template agree with it.
 */
class ShapedSql extends SQL {
  constructor(
    readonly shape: StatementShape,
    readonly params: unknown[],
    chunks: readonly StringChunk[],
  ) {
    // SQL's constructor checks every chunk for a drizzle table; there is none here.
    super([]);
    const queryChunks: unknown[] = [chunks[0]];
    for (let i = 0; i < params.length; i++) queryChunks.push(params[i], chunks[i + 1]);
    (this as { queryChunks: unknown[] }).queryChunks = queryChunks;
  }
}

/** The text of a fragment without parameters (a table, a list of identifiers), to build a shape's segments from. */
export function fragmentText(fragment: SQL): string {
  const text = sqlText(fragment, false);
  if (text === undefined || text.params.length > 0) throw new Error('a shape fragment is plain text and identifiers');
  return text.sql;
}

/**
 * Statement shapes by a key the caller builds (a table's text and what else
 * tells the statements apart), each written once. Bounded like a driver's
 * statement cache: dynamic shapes could otherwise grow it forever.
 */
export class ShapeCache {
  private readonly shapes = new Map<string, StatementShape>();
  constructor(private readonly limit = 500) {}

  /** The shape of `key`; the first time, that of the template `build` gives (`StatementShape.of`). */
  get(key: string, build: () => SQL): StatementShape {
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      if (this.shapes.size >= this.limit) this.shapes.clear();
      this.shapes.set(key, (shape = StatementShape.of(build())));
    }
    return shape;
  }
}
