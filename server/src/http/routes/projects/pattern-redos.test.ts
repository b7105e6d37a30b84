/** Covers @baas/schema's text patterns on RE2 through services/collections.ts and records writes. */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers @baas/schema's compilePattern: a text field's `pattern` runs on RE2
// (linear time), so a pattern that backtracks exponentially in JavaScript's
// RegExp cannot stall the server, and what RE2 cannot do is refused up front.

forEachEngine(t, 'a catastrophic pattern matches in linear time; RE2-only syntax is enforced at definition', async (t, api) => {
  const req = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.secret, body });
  let res = await req('POST', '/collections', { name: 'codes', fields: [{ name: 'code', type: 'text', pattern: '([a-z0-9]+)+' }] });
  t.equal(res.status, 201, JSON.stringify(res.body));

  // JavaScript's RegExp takes hours on this (2 s at 29 characters, doubling with each);
  // the bound is generous: the point is that it answers at all.
  const started = Date.now();
  res = await req('POST', '/collections/codes/records', { code: `${'a'.repeat(40)}!` });
  t.equal(res.status, 400);
  t.equal(res.body.error.details.fields.code.code, 'pattern_mismatch');
  t.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
  res = await req('POST', '/collections/codes/records', { code: 'abc123' });
  t.equal(res.status, 201, 'a matching value is stored');

  for (const pattern of ['(a)\\1', 'a(?=b)', '(?<!x)a', '(?<n>a)\\k<n>']) {
    res = await req('POST', '/collections', { name: 'bad', fields: [{ name: 'v', type: 'text', pattern }] });
    t.equal(res.status, 400, pattern);
    t.equal(res.body.error?.details?.fields?.['fields.0.pattern']?.code, 'invalid_pattern', `${pattern}: ${JSON.stringify(res.body)}`);
  }
});
