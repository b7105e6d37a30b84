import { QueryError } from './errors.ts';

/** Kinds of tokens; symbols are operators and punctuation. */
export type TokenKind = 'ident' | 'number' | 'string' | 'symbol' | 'eof';

/** One token with its source span. */
export interface Token {
  kind: TokenKind;
  /** ident name, symbol text, decoded string contents; '' for eof. */
  text: string;
  /** The numeric value of a number token. */
  num?: number;
  pos: number;
  end: number;
}

// Longest first, so '!=' wins over '!' and '>=' over '>'.
const symbols = ['&&', '||', '!=', '!~', '>=', '<=', '=', '>', '<', '~', '!', '(', ')', '[', ']', ',', '.'];

const escapes: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);
const numberPattern = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** Splits an expression into tokens; the last token is always `eof`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new QueryError('unterminated string', start);
        const ch = source[i];
        if (ch === c) break;
        if (ch === '\\') {
          const next = source[i + 1];
          const decoded = next === undefined ? undefined : escapes[next];
          if (decoded === undefined) {
            if (next === undefined) throw new QueryError('unterminated string', start);
            throw new QueryError(`invalid escape '\\${next}' (use \\\\, \\', \\", \\n, \\t or \\r)`, i);
          }
          text += decoded;
          i += 2;
          continue;
        }
        text += ch;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', text, pos: start, end: i });
      continue;
    }
    // A '-' is only ever the sign of a number literal: the language has no arithmetic.
    // '.5' is a number, but in 'a.1' the dot separates path segments (and the 1 is an error).
    const afterName = tokens.length > 0 && tokens[tokens.length - 1].kind === 'ident' && tokens[tokens.length - 1].end === i;
    if (isDigit(c) || ((c === '-' || (c === '.' && !afterName)) && numberPattern.test(source.slice(i, i + 3)))) {
      const match = numberPattern.exec(source.slice(i));
      if (!match) throw new QueryError('invalid number', start);
      i += match[0].length;
      if (i < source.length && (isIdentPart(source[i]) || source[i] === '.')) {
        throw new QueryError('invalid number', start);
      }
      const num = Number(match[0]);
      if (!Number.isFinite(num)) throw new QueryError('number out of range', start);
      tokens.push({ kind: 'number', text: match[0], num, pos: start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < source.length && isIdentPart(source[i])) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), pos: start, end: i });
      continue;
    }
    if (source.startsWith('==', i)) throw new QueryError("unexpected '==' (use '=')", start);
    const symbol = symbols.find((s) => source.startsWith(s, i));
    if (symbol) {
      i += symbol.length;
      tokens.push({ kind: 'symbol', text: symbol, pos: start, end: i });
      continue;
    }
    if (c === '&') throw new QueryError("unexpected '&' (use '&&')", start);
    if (c === '|') throw new QueryError("unexpected '|' (use '||')", start);
    const shown = source.codePointAt(i)!;
    throw new QueryError(`unexpected character ${JSON.stringify(String.fromCodePoint(shown))}`, start);
  }
  tokens.push({ kind: 'eof', text: '', pos: source.length, end: source.length });
  return tokens;
}
