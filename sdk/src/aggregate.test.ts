import t from 'tap';
import { failure } from '../test/server.ts';
import { setup, waitFor } from '../test/realtime.ts';

// aggregate(), list({ search }) and watchAggregate() against a real server.

const env = await setup((fn) => t.teardown(fn));
await env.admin.collections.create({
  name: 'posts',
  fields: [
    { name: 'title', type: 'text' },
    { name: 'status', type: 'select', values: ['open', 'closed'] },
    { name: 'votes', type: 'integer' },
  ],
  search: ['title'],
  rules: { list: "status = 'open'", view: '', create: '', update: '', delete: '' },
});
const posts = env.admin.collection('posts');
for (const [title, status, votes] of [['Buy milk', 'open', 3], ['Milk the cow', 'open', 5], ['Sell milk', 'closed', 1], ['Walk', 'open', 2]] as const) {
  await posts.create({ title, status, votes });
}
const guest = env.client({ token: undefined }).collection('posts');

t.test('aggregate: groups and metrics, named as written, under the list rule', async (t) => {
  const all = await posts.aggregate({ groupBy: ['status'], select: ['count', 'sum(votes)', 'max(votes)'], sort: ['-sum_votes'] });
  t.same(all.items, [
    { status: 'open', count: 3, sum_votes: 10, max_votes: 5 },
    { status: 'closed', count: 1, sum_votes: 1, max_votes: 1 },
  ]);
  const asGuest = await guest.aggregate({ groupBy: ['status'] });
  t.same(asGuest.items, [{ status: 'open', count: 3 }], 'a guest aggregates what it may list');
  t.same((await guest.aggregate({ search: 'milk', select: ['avg(votes)'] })).items, [{ avg_votes: 4 }], 'search narrows it too');
  t.match(await failure(() => posts.aggregate({ select: ['sum(title)' as 'count'] })), { status: 400, code: 'invalid_aggregate', details: { parameter: 'select', position: 4 } });
});

t.test('list({ search, highlight }): ranked matches with snippets', async (t) => {
  const found = await guest.list({ search: 'milk', highlight: true });
  t.same(found.items.map((p) => p.title).sort(), ['Buy milk', 'Milk the cow']);
  t.match(found.items[0]._highlight?.title, /<mark>milk<\/mark>/i);
  const pages: string[] = [];
  for await (const p of guest.iterate({ search: 'mil', limit: 1 })) pages.push(p.title as string);
  t.same(pages.sort(), ['Buy milk', 'Milk the cow'], 'iterate pages a ranked search');
});

t.test('watchAggregate: follows writes with one fetch at a time', async (t) => {
  let latest: Array<Record<string, unknown>> = [];
  const reasons: string[] = [];
  const stop = env.client().collection('posts').watchAggregate({ groupBy: ['status'], select: ['count'] }, (items, state) => {
    latest = items;
    reasons.push(state.reason);
  });
  t.teardown(stop);
  await waitFor(() => reasons.length, 'the initial aggregate');
  t.same(latest, [{ status: 'closed', count: 1 }, { status: 'open', count: 3 }]);
  for (let i = 0; i < 5; i++) await posts.create({ title: `burst ${i}`, status: 'closed', votes: 0 });
  await waitFor(() => latest.some((g) => g.status === 'closed' && g.count === 6), 'the burst counted');
  t.ok(reasons.length <= 7, `${reasons.length} fetches for 5 writes`);
  t.equal(reasons[0], 'initial');
  t.ok(reasons.slice(1).every((r) => r === 'change'));
});
