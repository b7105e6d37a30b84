/** Covers http/routes/projects/records.ts and services/records/ (get, create, update, delete). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine } from '../../../../test/harness.ts';

const posts = {
  name: 'posts',
  fields: [
    { name: 'title', type: 'text', required: true, max: 200 },
    { name: 'status', type: 'select', values: ['draft', 'open', 'closed'], default: 'draft' },
    { name: 'votes', type: 'integer', default: 0 },
    { name: 'owner', type: 'text' },
    { name: 'slug', type: 'text', unique: true },
  ],
  rules: { list: "status = 'open'", view: "status = 'open'", create: "status != 'closed'", update: null, delete: null },
  indexes: [{ fields: ['status', '-votes'] }],
};

forEachEngine(t, 'records: CRUD, rules, list options', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), { token: sk, body: posts });
  t.equal(res.status, 201, JSON.stringify(res.body));
  t.match(res.body.fields[0], { name: 'title', id: String });

  // service role writes anything
  const created = [];
  for (let i = 0; i < 7; i++) {
    res = await api.request('POST', api.p('/collections/posts/records'), {
      token: sk,
      body: { title: `Post ${i}`, status: i % 2 ? 'open' : 'draft', votes: i, slug: `p${i}` },
    });
    t.equal(res.status, 201, JSON.stringify(res.body));
    created.push(res.body);
  }
  t.match(created[0], { id: /^[0-9a-z]{26}$/, title: 'Post 0', status: 'draft', votes: 0, owner: null });

  // a guest lists only what the list rule allows
  res = await api.request('GET', api.p('/collections/posts/records?sort=-votes&count=true'));
  t.equal(res.status, 200);
  t.same(res.body.items.map((r: any) => r.votes), [5, 3, 1]);
  t.equal(res.body.total, 3);

  // a guest cannot view a draft: 404, not 403 (existence is not leaked)
  res = await api.request('GET', api.p(`/collections/posts/records/${created[0].id}`));
  t.equal(res.status, 404);
  t.equal(res.body.error.code, 'record_not_found');
  res = await api.request('GET', api.p(`/collections/posts/records/${created[1].id}`));
  t.equal(res.status, 200);

  // locked update rule: guests are refused
  res = await api.request('PATCH', api.p(`/collections/posts/records/${created[1].id}`), { body: { title: 'x' } });
  t.equal(res.status, 403);

  // create rule checked on the new row; failure leaves nothing behind (change log included)
  res = await api.request('POST', api.p('/collections/posts/records'), { body: { title: 'nope', status: 'closed' } });
  t.equal(res.status, 403);
  res = await api.request('GET', api.p('/collections/posts/records?count=true&filter=' + encodeURIComponent("title = 'nope'")), { token: sk });
  t.equal(res.body.total, 0);
  const { db } = (await api.app.baas.registry.get('app'))!;
  const changes = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM ${db.table('_changes')}`);
  t.equal(Number(changes[0].n), 7, 'only the 7 successful creates are in the change log');

  // guest create allowed by rule
  res = await api.request('POST', api.p('/collections/posts/records'), { body: { title: 'guest post', status: 'open', slug: 'g' } });
  t.equal(res.status, 201);

  // keyset paging over a sort with ties visits every row exactly once
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/collections/posts/records?sort=status,-votes&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
    res = await api.request('GET', api.p(q), { token: sk });
    t.equal(res.status, 200, JSON.stringify(res.body));
    seen.push(...res.body.items.map((r: any) => r.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  t.equal(seen.length, 8);
  t.equal(new Set(seen).size, 8);

  // page + perPage
  res = await api.request('GET', api.p('/collections/posts/records?sort=votes&page=2&perPage=3&fields=id,votes'), { token: sk });
  t.same(res.body.items, res.body.items.map((r: any) => ({ id: r.id, votes: r.votes })));
  t.match(res.body, { page: 2, perPage: 3 });

  // unique violation -> 409 naming the field
  res = await api.request('POST', api.p('/collections/posts/records'), { token: sk, body: { title: 'dup', slug: 'p1' } });
  t.equal(res.status, 409);
  t.match(res.body.error, { code: 'unique_violation', details: { fields: { slug: { code: 'unique' } } } });

  // update and delete as service role
  res = await api.request('PATCH', api.p(`/collections/posts/records/${created[0].id}`), { token: sk, body: { votes: 42 } });
  t.equal(res.status, 200);
  t.equal(res.body.votes, 42);
  t.ok(res.body.updated_at > created[0].updated_at);
  res = await api.request('DELETE', api.p(`/collections/posts/records/${created[0].id}`), { token: sk });
  t.equal(res.status, 204);
  res = await api.request('GET', api.p(`/collections/posts/records/${created[0].id}`), { token: sk });
  t.equal(res.status, 404);
});
