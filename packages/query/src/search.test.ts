import t from 'tap';
import { fts5Match, fts5Phrase, parseSearch, QueryError, tsPhrase, tsQuery } from './index.ts';

// [input, FTS5 MATCH, FTS5 phrase, tsquery, ts phrase]
const cases: Array<[string, string, string | undefined, string, string | undefined]> = [
  ['hello', '"hello"*', undefined, "'hello':*", undefined],
  ['  hello   wor ', '"hello"* AND "wor"*', '"hello wor"', "'hello':* & 'wor':*", "'hello wor'"],
  ['"quick fox" jumps', '"quick fox" AND "jumps"*', '"quick fox jumps"', "('quick fox') & 'jumps':*", "'quick fox jumps'"],
  ['unterminated "phrase here', '"unterminated"* AND "phrase here"', '"unterminated phrase here"', "'unterminated':* & ('phrase here')", "'unterminated phrase here'"],
  // Engine syntax is ordinary text: quotes, operators, column filters, escapes.
  ['title:x NEAR(a b) OR -c', '"title:x"* AND "NEAR(a"* AND "b)"* AND "OR"* AND "-c"*', '"title:x NEAR(a b) OR -c"', "'title:x':* & 'NEAR(a':* & 'b)':* & 'OR':* & '-c':*", "'title:x NEAR(a b) OR -c'"],
  ["it's a\\b", '"it\'s"* AND "a\\b"*', '"it\'s a\\b"', "'it''s':* & 'a\\\\b':*", "'it''s a\\\\b'"],
  ['café 東京', '"café"* AND "東京"*', '"café 東京"', "'café':* & '東京':*", "'café 東京'"],
  ['foo-bar', '"foo-bar"*', '"foo-bar"', "'foo-bar':*", "'foo-bar'"],
];

for (const [input, match, phrase, ts, tsp] of cases) {
  t.test(`search ${JSON.stringify(input)}`, async (t) => {
    const q = parseSearch(input)!;
    t.ok(q);
    t.equal(fts5Match(q), match);
    t.equal(fts5Phrase(q), phrase);
    t.equal(tsQuery(q), ts);
    t.equal(tsPhrase(q), tsp);
  });
}

t.test('a search without letters or digits searches nothing', async (t) => {
  for (const input of ['', '   ', '""', '- * ( )', '"  "']) t.equal(parseSearch(input), undefined, JSON.stringify(input));
});

t.test('limits', async (t) => {
  t.throws(() => parseSearch('a'.repeat(501)), QueryError);
  t.throws(() => parseSearch(Array.from({ length: 33 }, (_, i) => `w${i}`).join(' ')), /at most 32/);
  t.ok(parseSearch(Array.from({ length: 32 }, (_, i) => `w${i}`).join(' ')));
});
