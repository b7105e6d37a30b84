/** Covers http/routes/projects/storage/http-semantics.ts (Range, ETag, Content-Disposition). */
import t from 'tap';
import { attachmentDisposition, etagMatches, parseRange, type RangeResult } from './http-semantics.ts';

t.test('parseRange against a 100-byte object', async (t) => {
  const cases: Array<[string | undefined, RangeResult]> = [
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-500', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=50-5000', { kind: 'partial', start: 50, end: 99 }],
    ['bytes = 1 - 2', { kind: 'partial', start: 1, end: 2 }],
    ['BYTES=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['lines=1-2', { kind: 'full' }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=5-4', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=-', { kind: 'unsatisfiable' }],
    ['bytes=x-1', { kind: 'unsatisfiable' }],
    ['bytes=1.5-2', { kind: 'unsatisfiable' }],
  ];
  for (const [header, expected] of cases) t.same(parseRange(header, 100), expected, String(header));
  t.same(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' }, 'an empty object has no satisfiable range');
  t.same(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' });
});

t.test('etagMatches', async (t) => {
  t.ok(etagMatches('"abc"', 'abc'));
  t.ok(etagMatches('W/"abc"', 'abc'));
  t.ok(etagMatches('"x", "abc"', 'abc'));
  t.ok(etagMatches('*', 'abc'));
  t.notOk(etagMatches('"abcd"', 'abc'));
  t.notOk(etagMatches('abc', 'abc'), 'unquoted is not an etag');
  t.notOk(etagMatches(undefined, 'abc'));
});

t.test('attachmentDisposition never lets a name break the header', async (t) => {
  const cases: Array<[string, string]> = [
    ['report.pdf', `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`],
    ['a "b".txt', `attachment; filename="a _b_.txt"; filename*=UTF-8''a%20%22b%22.txt`],
    ['x\r\nSet-Cookie: a=b', `attachment; filename="x__Set-Cookie: a=b"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db`],
    ['日本.png', `attachment; filename="__.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`],
    ["it's (1)*.txt", `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`],
    ['back\\slash;%', `attachment; filename="back_slash;_"; filename*=UTF-8''back%5Cslash%3B%25`],
    ['', `attachment; filename="download"; filename*=UTF-8''`],
  ];
  for (const [name, expected] of cases) {
    const header = attachmentDisposition(name);
    t.equal(header, expected, JSON.stringify(name));
    t.match(header, /^[\x20-\x7e]+$/, 'printable ASCII only');
  }
});
