/** Covers http/routes/projects/batch.ts and services/batch.ts (atomic batches over services/records/write.ts). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';

const posts = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'slug', type: 'text', unique: true },
    { name: 'status', type: 'select', values: ['draft', 'open'], default: 'open' },
  ],
  rules: { list: '', view: '', create: "status = 'open'", update: '', delete: null },
};

async function changeCount(api: TestInstance): Promise<number> {
  const { db } = (await api.app.baas.registry.get('app'))!;
  const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${db.table('_changes')}`);
  return Number(row!.n);
}

forEachEngine(t, 'batch: results, atomicity, limits', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), { token: sk, body: posts });
  t.equal(res.status, 201);
  const existing = (await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'existing', slug: 'taken' } })).body;
  // null = a guest
  const batch = (operations: unknown[], token: string | null = sk) => api.request('POST', api.p('/batch'), { token: token ?? undefined, body: { operations } });
  const total = async () => (await api.request('GET', api.p('/collections/posts/records?count=true'), { token: sk })).body.total;

  // success: one result per operation, with the status a single call would have answered
  res = await batch([
    { action: 'create', collection: 'posts', data: { id: 'b1', title: 'one', slug: 'one' } },
    { action: 'create', collection: 'posts', data: { title: 'two' } },
    { action: 'update', collection: 'posts', id: 'b1', data: { title: 'one, edited' } },
    { action: 'delete', collection: 'posts', id: existing.id },
  ]);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body.results.map((r: any) => r.status), [201, 201, 200, 204]);
  t.match(res.body.results[0].body, { id: 'b1', title: 'one', slug: 'one', created_at: String });
  t.equal(res.body.results[2].body.title, 'one, edited');
  t.equal(res.body.results[3].body, null);
  t.equal(await total(), 2);
  t.equal(await changeCount(api), 5, '1 + 4 changes');

  // atomicity: a failing operation rolls back every earlier one, change log included
  const failures: Array<[string, unknown[], number, number, string, string | null]> = [
    [
      'validation',
      [{ action: 'create', collection: 'posts', data: { title: 'kept?' } }, { action: 'create', collection: 'posts', data: { nope: 1 } }],
      1, 400, 'validation_failed', sk,
    ],
    [
      'unique',
      [
        { action: 'update', collection: 'posts', id: 'b1', data: { title: 'changed?' } },
        { action: 'create', collection: 'posts', data: { title: 'x', slug: 'y' } },
        { action: 'create', collection: 'posts', data: { title: 'x', slug: 'one' } },
      ],
      2, 409, 'unique_violation', sk,
    ],
    [
      'missing record',
      [{ action: 'delete', collection: 'posts', id: 'b1' }, { action: 'update', collection: 'posts', id: 'nope', data: { title: 'x' } }],
      1, 404, 'record_not_found', sk,
    ],
    [
      'missing collection',
      [{ action: 'create', collection: 'posts', data: { title: 'x' } }, { action: 'create', collection: 'nope', data: {} }],
      1, 404, 'collection_not_found', sk,
    ],
    [
      'create rule (guest)',
      [{ action: 'create', collection: 'posts', data: { title: 'ok' } }, { action: 'create', collection: 'posts', data: { title: 'no', status: 'draft' } }],
      1, 403, 'forbidden', null,
    ],
    [
      'locked delete rule (guest)',
      [{ action: 'update', collection: 'posts', id: 'b1', data: { title: 'guest edit' } }, { action: 'delete', collection: 'posts', id: 'b1' }],
      1, 403, 'forbidden', null,
    ],
    [
      'duplicate id inside the batch',
      [{ action: 'create', collection: 'posts', data: { id: 'same', title: 'a' } }, { action: 'create', collection: 'posts', data: { id: 'same', title: 'b' } }],
      1, 409, 'unique_violation', sk,
    ],
  ];
  const before = await api.request('GET', api.p('/collections/posts/records?sort=id'), { token: sk });
  const changesBefore = await changeCount(api);
  for (const [label, operations, index, status, code, token] of failures) {
    res = await batch(operations, token);
    t.equal(res.status, status, `${label}: status ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.code, code, `${label}: code`);
    t.equal(res.body.error?.details?.operation, index, `${label}: names the operation`);
    t.match(res.body.error?.message, new RegExp(`operation ${index}`), `${label}: message`);
    const after = await api.request('GET', api.p('/collections/posts/records?sort=id'), { token: sk });
    t.same(after.body.items, before.body.items, `${label}: nothing changed`);
    t.equal(await changeCount(api), changesBefore, `${label}: the change log is untouched`);
  }

  // guests may run what the rules allow
  res = await batch([{ action: 'create', collection: 'posts', data: { title: 'guest' } }, { action: 'update', collection: 'posts', id: 'b1', data: { title: 'guest edit' } }], null);
  t.equal(res.status, 200, JSON.stringify(res.body));

  // malformed batches
  const malformed: Array<[string, unknown]> = [
    ['no operations', { operations: [] }],
    ['not a list', { operations: {} }],
    ['unknown action', { operations: [{ action: 'upsert', collection: 'posts', data: {} }] }],
    ['update without id', { operations: [{ action: 'update', collection: 'posts', data: {} }] }],
    ['bad collection name', { operations: [{ action: 'create', collection: 'x; drop table posts', data: {} }] }],
    ['extra key', { operations: [], extra: 1 }],
    ['over the limit', { operations: Array.from({ length: 101 }, (_, i) => ({ action: 'create', collection: 'posts', data: { title: `t${i}` } })) }],
  ];
  for (const [label, body] of malformed) {
    res = await api.request('POST', api.p('/batch'), { token: sk, body });
    t.equal(res.status, 400, `${label}: ${JSON.stringify(res.body).slice(0, 300)}`);
    t.equal(res.body.error?.code, 'validation_failed', label);
  }
  // exactly at the limit is fine
  res = await batch(Array.from({ length: 100 }, (_, i) => ({ action: 'create', collection: 'posts', data: { title: `t${i}` } })));
  t.equal(res.status, 200);
  t.equal(res.body.results.length, 100);

  // a later operation sees what an earlier one wrote (relations checked inside the transaction)
  res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: { name: 'replies', fields: [{ name: 'post', type: 'relation', collection: 'posts', required: true }] },
  });
  t.equal(res.status, 201);
  res = await batch([
    { action: 'create', collection: 'posts', data: { id: 'fresh', title: 'fresh' } },
    { action: 'create', collection: 'replies', data: { post: 'fresh' } },
  ]);
  t.equal(res.status, 200, JSON.stringify(res.body));
  res = await batch([
    { action: 'delete', collection: 'posts', id: 'fresh' },
    { action: 'create', collection: 'replies', data: { post: 'fresh' } },
  ]);
  t.equal(res.status, 400, 'a relation to a record deleted earlier in the batch');
  t.equal(res.body.error.details.operation, 1);
  t.equal(res.body.error.details.fields.post.code, 'invalid_relation');

  res = await api.request('POST', '/v1/projects/nope/batch', { token: sk, body: { operations: [{ action: 'delete', collection: 'posts', id: 'x' }] } });
  t.equal(res.status, 404);
  t.equal(res.body.error.code, 'project_not_found');
});
