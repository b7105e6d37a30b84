import t from 'tap';
import fc from 'fast-check';
import { parse, type Expr } from '@baas/query';
import { unstorableText } from '@baas/protocol';
import { filter } from './filter.ts';

t.test('values become literals of the rule language', async (t) => {
  t.equal(filter('a = {:s} && b > {:n} && c = {:yes} && d = {:nil}', { s: 'x', n: -1.5, yes: true, nil: null }), "a = 'x' && b > -1.5 && c = true && d = null");
  t.equal(filter('at > {:d}', { d: new Date('2026-01-02T03:04:05Z') }), "at > '2026-01-02T03:04:05.000Z'");
  t.equal(filter('s in {:list}', { list: ['a', 'b', 3] }), "s in ['a', 'b', 3]");
  t.equal(filter('title ~ {:q} || body ~ {:q}', { q: 'x' }), "title ~ 'x' || body ~ 'x'", 'a name can repeat');
  t.equal(filter('no placeholders'), 'no placeholders');
});

t.test('bad values are errors, not silently wrong filters', async (t) => {
  t.throws(() => filter('a = {:missing}', {}), /no value for \{:missing\}/);
  t.throws(() => filter('a = {:u}', { u: undefined }), /no value/);
  t.throws(() => filter('a = {:n}', { n: Number.NaN }), /finite/);
  t.throws(() => filter('a = {:n}', { n: Infinity }), /finite/);
  t.throws(() => filter('a = {:d}', { d: new Date('nope') }), /invalid Date/);
  t.throws(() => filter('a = {:o}', { o: {} as never }), /must be/);
  t.throws(() => filter('a in {:l}', { l: [['nested']] as never }), /must be/);
  t.throws(() => filter('a = {:toString}', {}), /no value/, 'inherited properties are not values');
});

/** The literal on the right of `field = <literal>`. */
function rightLiteral(expr: Expr): unknown {
  if (expr.kind !== 'compare' || expr.left.kind !== 'path') throw new Error(`not a comparison with a field: ${expr.kind}`);
  if (expr.right.kind === 'literal') return expr.right.value;
  if (expr.right.kind === 'list') return expr.right.items.map((item) => item.value);
  throw new Error(`the right side is a ${expr.right.kind}`);
}

t.test('a value no engine can store is refused by the parser, not quoted into a filter', async (t) => {
  for (const q of ['a\u0000b', '\ud800', 'x\udc00y']) {
    t.throws(() => parse(filter('title = {:q}', { q })), { name: 'QueryError' }, JSON.stringify(q));
  }
});

t.test('no input can change the expression: the parser reads back exactly the value', async (t) => {
  // Strings full of quotes, backslashes, operators and line breaks.
  const nasty = fc.string({ unit: fc.constantFrom("'", '"', '\\', ' ', '|', '&', ')', '(', '\n', '\t', '\r', '=', 'a', 'é', '{', ':', '}', '\u2028') });
  // Every string the data model can store: NUL and unpaired surrogates are refused (see below).
  const anyString = fc.oneof(nasty, fc.string({ unit: 'binary' })).filter((q) => unstorableText(q) === null);
  fc.assert(
    fc.property(anyString, (q) => {
      const source = filter('title = {:q}', { q });
      return rightLiteral(parse(source)) === q;
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(anyString, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))), (list) => {
      const source = filter('x in {:list}', { list });
      // -0 prints as 0, which is the same number in the language.
      return JSON.stringify(rightLiteral(parse(source))) === JSON.stringify(list);
    }),
    { numRuns: 500 },
  );
  t.pass('2,500 random values read back unchanged');
});

t.test('an injection attempt stays one string', async (t) => {
  const source = filter('owner = {:me} && title ~ {:q}', { me: 'u1', q: "x' || owner != 'u1" });
  const expr = parse(source);
  t.equal(expr.kind, 'and');
  t.equal((expr as { operands: Expr[] }).operands.length, 2, 'still two conditions');
  t.equal(rightLiteral((expr as { operands: Expr[] }).operands[1]), "x' || owner != 'u1");
});
