/** Covers services/records/codec.ts and write.ts (fields named like Object.prototype members). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers services/records/codec.ts, write.ts and expand.ts: names users choose
// that are also keys of Object.prototype (`constructor`) or of every object
// (`__proto__`, `toString`) must be plain names everywhere: a partial update
// that omits such a field keeps it, and a body key never reaches a prototype.

forEachEngine(t, 'a field named constructor is an ordinary field', async (t, api) => {
  const req = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.secret, body });
  let res = await req('POST', '/collections', { name: 'tags', fields: [{ name: 'label', type: 'text' }] });
  t.equal(res.status, 201, JSON.stringify(res.body));
  res = await req('POST', '/collections', {
    name: 'things',
    fields: [
      { name: 'name', type: 'text' },
      { name: 'constructor', type: 'text' },
      { name: 'tag', type: 'relation', collection: 'tags' },
    ],
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  res = await req('POST', '/collections', { name: 'links', fields: [{ name: 'constructor', type: 'relation', collection: 'tags' }, { name: 'note', type: 'text' }] });
  t.equal(res.status, 201, JSON.stringify(res.body));

  const tag = (await req('POST', '/collections/tags/records', { label: 'red' })).body;
  const created = await req('POST', '/collections/things/records', { name: 'a', constructor: 'kept', tag: tag.id });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  res = await req('PATCH', `/collections/things/records/${id}`, { name: 'b' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.constructor, 'kept', 'the reply keeps the field the patch left out');
  res = await req('GET', `/collections/things/records/${id}`);
  t.match(res.body, { name: 'b', constructor: 'kept' }, 'and so does the stored row');

  res = await req('PATCH', `/collections/things/records/${id}`, { constructor: null });
  t.equal(res.status, 200);
  t.equal((await req('GET', `/collections/things/records/${id}`)).body.constructor, null, 'set to null on purpose');

  res = await req('GET', `/collections/things/records?filter=${encodeURIComponent("constructor = null && name = 'b'")}&sort=constructor`);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.items.length, 1, 'filter and sort name it like any field');

  // A relation named constructor: a patch without it checks no relation, and expand finds it.
  const link = await req('POST', '/collections/links/records', { constructor: tag.id, note: 'x' });
  t.equal(link.status, 201, JSON.stringify(link.body));
  res = await req('PATCH', `/collections/links/records/${link.body.id}`, { note: 'y' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.constructor, tag.id);
  res = await req('GET', `/collections/links/records/${link.body.id}?expand=constructor`);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(res.body.expand?.constructor?.label, 'red', 'expanded through a null-prototype tree');

  // Body keys that name prototype members are unknown fields, nothing more.
  for (const key of ['toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
    const body = `{"name":"z",${JSON.stringify(key)}:"x"}`;
    res = await api.request('POST', api.p('/collections/things/records'), { token: api.secret, body, headers: { 'content-type': 'application/json' } });
    t.equal(res.status, 400, `${key}: ${JSON.stringify(res.body)}`);
    t.type(res.body.error?.code, 'string', `${key}: the error envelope`);
  }
  res = await req('GET', '/collections/things/records');
  t.equal(res.body.items.length, 1, 'none of them was stored');
});
