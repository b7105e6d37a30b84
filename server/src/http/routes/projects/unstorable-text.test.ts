/** Covers @baas/schema values and services/records/write.ts (NUL and lone surrogates refused on both engines). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers @baas/protocol's unstorableText as records, filters and collection
// names use it: what an engine cannot store exactly (NUL, lone surrogates,
// PostgreSQL's system columns) is a 400 naming the field on both engines, so a
// 2xx always reads back as it was answered.

forEachEngine(t, 'text no engine stores exactly is refused, naming the field', async (t, api) => {
  const raw = (method: string, path: string, body: string) =>
    api.request(method, api.p(path), { token: api.secret, body, headers: { 'content-type': 'application/json' } });
  let res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: { name: 'notes', fields: [{ name: 'title', type: 'text' }, { name: 'data', type: 'json' }, { name: 'site', type: 'url' }, { name: 'file', type: 'file' }] },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));

  const cases: Array<[string, string, string]> = [
    ['a lone high surrogate', '{"title":"a\\ud800"}', 'lone_surrogate'],
    ['a lone low surrogate', '{"title":"\\udc00b"}', 'lone_surrogate'],
    ['surrogates in the wrong order', '{"title":"\\udc00\\ud800"}', 'lone_surrogate'],
    ['NUL in text', '{"title":"a\\u0000b"}', 'nul_character'],
    ['NUL deep in json', '{"data":{"a":[1,{"b":"x\\u0000"}]}}', 'nul_character'],
    ['NUL in a json key', '{"data":{"k\\u0000":1}}', 'nul_character'],
    ['a lone surrogate in a json key', '{"data":{"\\ud800":1}}', 'lone_surrogate'],
    ['NUL in a file path', '{"file":"a\\u0000.png"}', 'nul_character'],
  ];
  for (const [name, body, code] of cases) {
    res = await raw('POST', '/collections/notes/records', body);
    t.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.code, 'validation_failed', name);
    const [field] = Object.keys(JSON.parse(body));
    t.equal(res.body.error?.details?.fields?.[field]?.code, code, `${name}: ${field} is named with ${code}`);
  }
  t.equal((await api.request('GET', api.p('/collections/notes/records'), { token: api.secret })).body.items.length, 0, 'nothing was stored');

  // What is accepted reads back exactly as answered: pairs, astral characters, controls.
  const body = '{"title":"\\ud83d\\ude00 \\u0001 \\u2028 é","data":{"z":"\\ud834\\udd1e","a":[-0,1e300,"\\t"]}}';
  const created = await raw('POST', '/collections/notes/records', body);
  // No reply in the message: a raw U+2028 would break the TAP line.
  t.equal(created.status, 201, 'accepted');
  const read = await api.request('GET', api.p(`/collections/notes/records/${created.body.id}`), { token: api.secret });
  t.same(read.body, created.body, 'the GET shows what the 201 answered');
  t.equal(read.body.title, '\u{1F600} \u0001 \u2028 é');
  const patched = await raw('PATCH', `/collections/notes/records/${created.body.id}`, '{"title":"\\ud800"}');
  t.equal(patched.status, 400, 'a patch is checked the same way');

  // A lone surrogate cannot be percent-encoded, but a rule is JSON and can carry one.
  res = await raw('PATCH', '/collections/notes', '{"rules":{"list":"title = \'\\ud800\'"}}');
  t.equal(res.status, 400, `a rule with a lone surrogate: ${JSON.stringify(res.body)}`);
  t.equal(res.body.error?.code, 'invalid_rule');
  res = await api.request('GET', api.p('/collections/notes/records?filter=title%20%3D%20%27a%00%27'), { token: api.secret });
  t.equal(res.body.error?.code, 'invalid_filter', 'NUL in a filter literal');
});

forEachEngine(t, "an engine's system columns are refused as field names on both engines", async (t, api) => {
  for (const name of ['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid', 'oid', 'rowid']) {
    const res = await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'c', fields: [{ name, type: 'text' }] } });
    t.equal(res.status, 400, name);
    t.equal(res.body.error?.details?.fields?.['fields.0.name']?.code, 'reserved_name', `${name}: ${JSON.stringify(res.body)}`);
  }
});
