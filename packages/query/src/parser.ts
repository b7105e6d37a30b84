import type { CompareOp, Expr, ListNode, LiteralNode, Operand, PathNode } from './ast.ts';
import { MAX_DEPTH, MAX_SOURCE_LENGTH, QueryError } from './errors.ts';
import { unstorableText } from '@baas/protocol';
import { tokenize, type Token } from './lexer.ts';

const opSymbols = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '~', '!~']);

/** How a token is named in "unexpected ..." messages. */
function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return 'string';
    case 'number':
      return `number ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}

/**
 * Parses a filter or rule. An empty (or blank) source means "no condition" and parses
 * to the literal `true`, matching the rule convention that `""` lets everyone through.
 * Throws QueryError with the position of the first offending token.
 */
export function parse(source: string): Expr {
  if (typeof source !== 'string') throw new QueryError('expression must be a string', 0);
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new QueryError(`expression is too long (${source.length} characters, at most ${MAX_SOURCE_LENGTH})`, MAX_SOURCE_LENGTH);
  }
  // Such a string literal could never equal a stored value, and PostgreSQL refuses NUL outright.
  const unstorable = unstorableText(source);
  if (unstorable) throw new QueryError(`the expression ${unstorable.message}`, 0);
  const parser = new Parser(tokenize(source));
  if (parser.peek().kind === 'eof') return { kind: 'literal', value: true, pos: 0, end: 0 };
  const expr = parser.or();
  parser.expectEnd();
  return expr;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const token = this.tokens[this.i];
    if (token.kind !== 'eof') this.i++;
    return token;
  }

  private isSymbol(text: string): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.text === text;
  }

  private unexpected(token: Token, expected?: string): never {
    const found = describe(token);
    throw new QueryError(expected ? `expected ${expected} but found ${found}` : `unexpected ${found}`, token.pos);
  }

  // Recursion is bounded by MAX_DEPTH so hostile input ("((((...", "!!!!...") cannot blow the stack.
  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) throw new QueryError(`expression is nested too deeply (at most ${MAX_DEPTH} levels)`, token.pos);
  }

  private leave(): void {
    this.depth--;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'eof') this.unexpected(token);
  }

  or(): Expr {
    const first = this.and();
    if (!this.isSymbol('||')) return first;
    const operands = [first];
    while (this.isSymbol('||')) {
      this.next();
      operands.push(this.and());
    }
    return { kind: 'or', operands, pos: first.pos, end: operands[operands.length - 1].end };
  }

  private and(): Expr {
    const first = this.unary();
    if (!this.isSymbol('&&')) return first;
    const operands = [first];
    while (this.isSymbol('&&')) {
      this.next();
      operands.push(this.unary());
    }
    return { kind: 'and', operands, pos: first.pos, end: operands[operands.length - 1].end };
  }

  private unary(): Expr {
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === '!') {
      this.next();
      this.enter(token);
      const operand = this.unary();
      this.leave();
      return { kind: 'not', operand, pos: token.pos, end: operand.end };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.operand();
    const token = this.peek();
    let op: CompareOp | undefined;
    if (token.kind === 'symbol' && opSymbols.has(token.text)) op = token.text as CompareOp;
    else if (token.kind === 'ident' && token.text === 'in') op = 'in';
    if (!op) return left;
    this.next();
    const right = this.operand();
    return { kind: 'compare', op, opPos: token.pos, left, right, pos: left.pos, end: right.end };
  }

  private operand(): Expr {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'number') return this.literal();
    if (token.kind === 'ident') {
      if (token.text === 'true' || token.text === 'false' || token.text === 'null') return this.literal();
      if (token.text === 'in') this.unexpected(token);
      return this.pathOrCall();
    }
    if (token.kind === 'symbol' && token.text === '(') {
      this.next();
      this.enter(token);
      const inner = this.or();
      this.leave();
      const close = this.peek();
      if (!(close.kind === 'symbol' && close.text === ')')) this.unexpected(close, "')'");
      this.next();
      return inner;
    }
    if (token.kind === 'symbol' && token.text === '[') return this.list();
    return this.unexpected(token, token.kind === 'eof' ? 'a value' : undefined);
  }

  private literal(): LiteralNode {
    const token = this.next();
    let value: LiteralNode['value'];
    if (token.kind === 'string') value = token.text;
    else if (token.kind === 'number') value = token.num!;
    else if (token.kind === 'ident' && token.text === 'true') value = true;
    else if (token.kind === 'ident' && token.text === 'false') value = false;
    else if (token.kind === 'ident' && token.text === 'null') value = null;
    else return this.unexpected(token, 'a literal');
    return { kind: 'literal', value, pos: token.pos, end: token.end };
  }

  private list(): ListNode {
    const open = this.next();
    this.enter(open);
    const items: LiteralNode[] = [];
    if (!this.isSymbol(']')) {
      for (;;) {
        const token = this.peek();
        if (token.kind === 'symbol' && token.text === '[') throw new QueryError('lists cannot be nested', token.pos);
        items.push(this.literal());
        if (this.isSymbol(',')) {
          this.next();
          continue;
        }
        if (this.isSymbol(']')) break;
        this.unexpected(this.peek(), "',' or ']'");
      }
    }
    const close = this.next();
    this.leave();
    return { kind: 'list', items, pos: open.pos, end: close.end };
  }

  private pathOrCall(): Operand {
    const first = this.next();
    if (this.isSymbol('(')) return this.call(first);
    const path: PathNode = { kind: 'path', segments: [first.text], positions: [first.pos], pos: first.pos, end: first.end };
    while (this.isSymbol('.')) {
      this.next();
      const segment = this.peek();
      if (segment.kind !== 'ident') this.unexpected(segment, 'a name after \'.\'');
      this.next();
      path.segments.push(segment.text);
      path.positions.push(segment.pos);
      path.end = segment.end;
    }
    if (this.isSymbol('(')) throw new QueryError('only plain names can be called as functions', this.peek().pos);
    return path;
  }

  private call(name: Token): Operand {
    const open = this.next();
    this.enter(open);
    const args: Expr[] = [];
    if (!this.isSymbol(')')) {
      for (;;) {
        args.push(this.or());
        if (this.isSymbol(',')) {
          this.next();
          continue;
        }
        if (this.isSymbol(')')) break;
        this.unexpected(this.peek(), "',' or ')'");
      }
    }
    const close = this.next();
    this.leave();
    return { kind: 'call', name: name.text, args, pos: name.pos, end: close.end };
  }
}
