/**
 * A statement with its parameters written in as literals, so that several can
 * go in one simple-protocol round trip (a commit group's deferred writes with
 * its COMMIT; a member's first statement after the savepoint statements owed
 * before it, postgres-group.ts). Each value becomes a quoted literal of unknown type, which the
 * server types from its context as it types a parameter; `$n` inside quoted
 * strings or identifiers of the text is left alone.
 */
export function inlineParams(text: string, params: unknown[], escapeLiteral: (value: string) => string): string {
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (value instanceof Date) return escapeLiteral(value.toISOString());
    if (Buffer.isBuffer(value)) return escapeLiteral(`\\x${value.toString('hex')}`);
    return escapeLiteral(String(value));
  };
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '$' && /[0-9]/.test(text[i + 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && /[0-9]/.test(text[j])) j++;
      out += literal(params[Number(text.slice(i + 1, j)) - 1]);
      i = j - 1;
    } else out += c;
  }
  return out;
}
