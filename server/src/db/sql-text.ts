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
  if (inlines(query)) return undefined;
  const params: unknown[] = [];
  const text = chunksText(query.queryChunks, params, numbered);
  return text === undefined ? undefined : { sql: text, params };
}

function chunksText(chunks: readonly unknown[], params: unknown[], numbered: boolean): string | undefined {
  let text = '';
  for (const chunk of chunks) {
    const part = chunkText(chunk, params, numbered);
    if (part === undefined) return undefined;
    text += part;
  }
  return text;
}

function chunkText(chunk: unknown, params: unknown[], numbered: boolean): string | undefined {
  if (chunk instanceof StringChunk) return chunk.value.length === 1 ? chunk.value[0] : chunk.value.join('');
  if (chunk instanceof SQL) return inlines(chunk) ? undefined : chunksText(chunk.queryChunks, params, numbered);
  if (chunk instanceof Name) return escapeName(chunk.value);
  if (chunk === undefined) return '';
  if (Array.isArray(chunk)) {
    // drizzle writes an array as a parenthesized list of its items.
    let text = '(';
    for (let i = 0; i < chunk.length; i++) {
      const part = chunkText(chunk[i], params, numbered);
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
  return numbered ? `$${params.length}` : '?';
}

/** `.inlineParams()` was called on it (drizzle keeps the flag private). */
function inlines(query: SQL): boolean {
  return (query as unknown as { shouldInlineParams: boolean }).shouldInlineParams;
}

/** Both dialects quote identifiers alike: in double quotes, inner ones doubled. */
function escapeName(name: string): string {
  return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
}
