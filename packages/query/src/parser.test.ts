import t from 'tap';
import fc from 'fast-check';
import { parse, QueryError, MAX_DEPTH } from './index.ts';
import type { Expr } from './index.ts';

/** A compact rendering of the tree, so expectations stay readable. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'list':
      return `[${e.items.map(show).join(',')}]`;
    case 'path':
      return e.segments.join('.');
    case 'call':
      return `${e.name}(${e.args.map(show).join(',')})`;
    case 'not':
      return `!${show(e.operand)}`;
    case 'and':
    case 'or':
      return `(${e.operands.map(show).join(e.kind === 'and' ? ' && ' : ' || ')})`;
    case 'compare':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

const good: Array<[string, string]> = [
  ['', 'true'],
  ['   ', 'true'],
  ["title = 'a'", '(title = "a")'],
  ['title = "a\\"b"', '(title = "a\\"b")'],
  ["title = 'it\\'s'", '(title = "it\'s")'],
  ["a = 'x\\ny'", '(a = "x\\ny")'],
  ['count >= -1.5e2', '(count >= -150)'],
  ['count < .5', '(count < 0.5)'],
  ['a != null', '(a != null)'],
  ["a ~ 'x' || b !~ 'y'", '((a ~ "x") || (b !~ "y"))'],
  ['a && b || c && d', '((a && b) || (c && d))'],
  ['a || b || c', '(a || b || c)'],
  ['!a && b', '(!a && b)'],
  ['!(a || b)', '!(a || b)'],
  ['!!a', '!!a'],
  ['!a = 1', '!(a = 1)'],
  ["status in ['a', \"b\", null]", '(status in ["a","b",null])'],
  ['x in []', '(x in [])'],
  ['auth.id in members', '(auth.id in members)'],
  ['author.name = auth.data.name', '(author.name = auth.data.name)'],
  ['post . author . name = 1', '(post.author.name = 1)'],
  ['length(tags) > 0', '(length(tags) > 0)'],
  ["lower(title) = 'x'", '(lower(title) = "x")'],
  ['f()', 'f()'],
  ['(a = 1) = (b = 2)', '((a = 1) = (b = 2))'],
  ['published', 'published'],
  ['true', 'true'],
  ['created_at > now', '(created_at > now)'],
  ['a=1&&b=2', '((a = 1) && (b = 2))'],
  ['a<=-1', '(a <= -1)'],
];

t.test('parses good input', async (t) => {
  for (const [source, expected] of good) t.equal(show(parse(source)), expected, source);
});

const bad: Array<[string, string, number]> = [
  ["title = 'abc", 'unterminated string at column 9', 8],
  ['title = "abc\\', 'unterminated string at column 9', 8],
  ["(title = 'a'))", "unexpected ')' at column 14", 13],
  ["(title = 'a'", "expected ')' but found end of input at column 13", 12],
  ['title =', 'expected a value but found end of input at column 8', 7],
  ['title = = 1', "unexpected '=' at column 9", 8],
  ['a = 1 = 2', "unexpected '=' at column 7", 6],
  ['a == 1', "unexpected '==' (use '=') at column 3", 2],
  ['a = 1 & b', "unexpected '&' (use '&&') at column 7", 6],
  ['a = 1 | b', "unexpected '|' (use '||') at column 7", 6],
  ['a = 1 and b', "unexpected 'and' at column 7", 6],
  ['a = [1, 2', "expected ',' or ']' but found end of input at column 10", 9],
  ['a in [1, [2]]', 'lists cannot be nested at column 10', 9],
  ['a in [1,]', "expected a literal but found ']' at column 9", 8],
  ['a in [b]', "expected a literal but found 'b' at column 7", 6],
  ['a.', "expected a name after '.' but found end of input at column 3", 2],
  ['a.1 = 2', "expected a name after '.' but found number 1 at column 3", 2],
  ['a = 12abc', 'invalid number at column 5', 4],
  ['a = 1.2.3', 'invalid number at column 5', 4],
  ["a = 'x\\q'", "invalid escape '\\q' (use \\\\, \\', \\\", \\n, \\t or \\r) at column 7", 6],
  ['a = #', 'unexpected character "#" at column 5', 4],
  ['a.b(1)', 'only plain names can be called as functions at column 4', 3],
  ['f(1 2)', "expected ',' or ')' but found number 2 at column 5", 4],
  ['in = 1', "unexpected 'in' at column 1", 0],
  [')', "unexpected ')' at column 1", 0],
  ['!', 'expected a value but found end of input at column 2', 1],
  ['a = 1e999', 'number out of range at column 5', 4],
];

t.test('refuses bad input with positions', async (t) => {
  for (const [source, message, position] of bad) {
    try {
      parse(source);
      t.fail(`no error for ${source}`);
    } catch (err) {
      t.ok(err instanceof QueryError, source);
      const e = err as QueryError;
      t.equal(e.message, message, source);
      t.equal(e.position, position, `${source} position`);
      t.equal(e.column, position + 1, `${source} column`);
    }
  }
});

t.test('limits length and nesting', async (t) => {
  t.throws(() => parse('a = 1 || '.repeat(1000) + 'a = 1'), /expression is too long/);
  t.doesNotThrow(() => parse('('.repeat(MAX_DEPTH) + 'a' + ')'.repeat(MAX_DEPTH)));
  t.throws(() => parse('('.repeat(MAX_DEPTH + 1) + 'a' + ')'.repeat(MAX_DEPTH + 1)), /nested too deeply \(at most 32 levels\) at column 33/);
  t.throws(() => parse('!'.repeat(200) + 'a'), /nested too deeply/);
  t.throws(() => parse('f('.repeat(200) + ')'.repeat(200)), /nested too deeply/);
  // Long flat chains are fine: they are flattened, not nested.
  const chain = parse(Array.from({ length: 400 }, (_, i) => `a${i}`).join(' && '));
  t.equal(chain.kind === 'and' && chain.operands.length, 400);
});

t.test('positions of nodes', async (t) => {
  const e = parse("  title = 'x'");
  t.match(e, { kind: 'compare', pos: 2, opPos: 8, end: 13, left: { pos: 2, end: 7 }, right: { pos: 10, end: 13 } });
  const p = parse('author . name');
  t.match(p, { kind: 'path', positions: [0, 9] });
});

t.test('arbitrary input only ever throws QueryError', async () => {
  const alphabet = fc.constantFrom(...'ab .,()[]!=<>~&|\'"\\-1e_'.split(''), ' in ', ' && ', 'true', 'null');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
      try {
        parse(parts.join(''));
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        if (!(err.position >= 0 && err.position <= parts.join('').length)) throw new Error('position out of range');
      }
    }),
    { numRuns: 2000 },
  );
});
