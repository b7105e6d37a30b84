/** Covers db/change-log.ts (the change log each write appends). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine, type Reply } from '../../../../test/harness.ts';

interface ChangeRow {
  seq: number;
  collection: string;
  record_id: string;
  action: string;
  record: unknown;
  previous: unknown;
}

forEachEngine(t, 'change log: one row per successful write, in order, none for failures', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: {
      name: 'posts',
      fields: [{ name: 'title', type: 'text', required: true }, { name: 'slug', type: 'text', unique: true }],
      rules: { list: '', view: '', create: "title != 'blocked'", update: "title != 'frozen'", delete: null },
    },
  });
  t.equal(res.status, 201);
  const records = api.p('/collections/posts/records');
  const expected: Array<[string, string]> = [];
  const ids: Record<string, string> = {};

  // [label, request, status] — the successful ones must each leave exactly one change
  const steps: Array<[string, () => Promise<Reply>, number, string?, string?]> = [
    ['create a', () => api.request('POST', records, { token: sk, body: { title: 'a', slug: 'a' } }), 201, 'create', 'a'],
    ['create b (guest)', () => api.request('POST', records, { body: { title: 'b', slug: 'b' } }), 201, 'create', 'b'],
    ['invalid body', () => api.request('POST', records, { token: sk, body: { nope: 1 } }), 400],
    ['create rule refuses', () => api.request('POST', records, { body: { title: 'blocked' } }), 403],
    ['duplicate slug', () => api.request('POST', records, { token: sk, body: { title: 'c', slug: 'a' } }), 409],
    ['update a', () => api.request('PATCH', `${records}/${ids.a}`, { token: sk, body: { title: 'frozen' } }), 200, 'update', 'a'],
    ['update rule refuses', () => api.request('PATCH', `${records}/${ids.a}`, { body: { title: 'thaw' } }), 404],
    ['update to a duplicate', () => api.request('PATCH', `${records}/${ids.b}`, { token: sk, body: { slug: 'a' } }), 409],
    ['update a missing record', () => api.request('PATCH', `${records}/nope`, { token: sk, body: { title: 'x' } }), 404],
    ['delete as a guest (locked)', () => api.request('DELETE', `${records}/${ids.b}`), 403],
    ['failed batch', () => api.request('POST', api.p('/batch'), {
      token: sk,
      body: { operations: [{ action: 'create', collection: 'posts', data: { title: 'in batch' } }, { action: 'delete', collection: 'posts', id: 'nope' }] },
    }), 404],
    ['batch', () => api.request('POST', api.p('/batch'), {
      token: sk,
      body: { operations: [{ action: 'create', collection: 'posts', data: { id: 'c', title: 'c' } }, { action: 'update', collection: 'posts', id: 'c', data: { title: 'c2' } }] },
    }), 200, 'batch', 'c'],
    ['delete b', () => api.request('DELETE', `${records}/${ids.b}`, { token: sk }), 204, 'delete', 'b'],
    ['delete b again', () => api.request('DELETE', `${records}/${ids.b}`, { token: sk }), 404],
  ];
  for (const [label, call, status, action, key] of steps) {
    res = await call();
    t.equal(res.status, status, `${label}: ${JSON.stringify(res.body).slice(0, 200)}`);
    if (action === 'create') ids[key!] = res.body.id;
    if (action === 'batch') {
      ids[key!] = 'c';
      expected.push(['create', 'c'], ['update', 'c']);
    } else if (action) expected.push([action, ids[key!]]);
  }

  const { db } = (await api.app.baas.registry.get('app'))!;
  const rows = await db.all<ChangeRow>(sql`SELECT seq, collection, record_id, action, record, previous FROM ${db.table('_changes')} ORDER BY seq`);
  t.same(rows.map((r) => [r.action, r.record_id]), expected, 'exactly the successful writes, in order');
  t.ok(rows.every((r) => r.collection === 'posts'));
  const seqs = rows.map((r) => Number(r.seq));
  t.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `seq increases: ${seqs.join(',')}`);
  // the rows carry the record (and, on update, what it was)
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as any;
  t.match(parse(rows[0].record), { id: ids.a, title: 'a', slug: 'a' });
  t.equal(rows[0].previous, null);
  t.match(parse(rows[2].record), { id: ids.a, title: 'frozen' });
  t.match(parse(rows[2].previous), { id: ids.a, title: 'a' });
  t.match(parse(rows[rows.length - 1].record), { id: ids.b, title: 'b' }, 'a delete logs the record as it was');

  // concurrent writes: every one logged once, seq in commit order
  const before = rows.length;
  const parallel = await Promise.all(
    Array.from({ length: 20 }, (_, i) => api.request('POST', records, { token: sk, body: { title: `p${i}`, slug: `p${i}` } })),
  );
  t.ok(parallel.every((r) => r.status === 201), 'all parallel creates succeed');
  const logged = await db.all<ChangeRow>(sql`SELECT seq, record_id FROM ${db.table('_changes')} ORDER BY seq`);
  t.equal(logged.length, before + 20);
  t.same(new Set(logged.slice(before).map((r) => r.record_id)), new Set(parallel.map((r) => r.body.id)));
  expected.push(...parallel.map((r): [string, string] => ['create', r.body.id]));

  // a schema change is not a record write
  res = await api.request('PATCH', api.p('/collections/posts'), { token: sk, body: { rules: { delete: '' } } });
  t.equal(res.status, 200);
  const after = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${db.table('_changes')}`);
  t.equal(Number(after!.n), expected.length);
});
