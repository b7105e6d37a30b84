import t from 'tap';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';

t.test('counts the nesting of arrays and objects, not brackets inside strings', async (t) => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  t.equal(nestsDeeperThan(nested(MAX_JSON_DEPTH)), false, 'at the limit');
  t.equal(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1)), true, 'one deeper');
  t.equal(nestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 3), true);
  t.equal(nestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 4), false);
  t.equal(nestsDeeperThan(JSON.stringify({ s: '[[[[[[{{{{{{' }), 1), false, 'brackets in a string');
  t.equal(nestsDeeperThan(JSON.stringify({ s: 'a\\"[[[[', t: '"]]]' }), 1), false, 'escaped quotes do not end the string');
  t.equal(nestsDeeperThan('[1, 2, [3]] [[[', 2), true, 'malformed text still counts');
});
