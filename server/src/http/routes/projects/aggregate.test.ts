/** Covers http/routes/projects/aggregate.ts and services/records/aggregate.ts (with @baas/query aggregates). */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';

async function setUp(api: TestInstance, list = ''): Promise<void> {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: {
      name: 'issues',
      fields: [
        { name: 'status', type: 'select', values: ['open', 'closed'] },
        { name: 'votes', type: 'integer' },
        { name: 'score', type: 'number' },
        { name: 'due', type: 'date' },
        { name: 'urgent', type: 'boolean' },
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'text' },
        { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
      ],
      rules: { list, view: '', create: '', update: '', delete: '' },
    },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  const rows = [
    // 2024-01-01 is a Monday; 2024-01-07 a Sunday (same week), 2024-01-08 the next Monday.
    { status: 'open', votes: 3, score: 1.5, due: '2024-01-01T23:59:59.999Z', urgent: true, title: 'a', owner: 'x' },
    { status: 'open', votes: 4, score: 2.25, due: '2024-01-07T00:00:00.000Z', urgent: false, title: 'b', owner: 'x' },
    { status: 'open', votes: null, score: null, due: '2024-01-08T08:00:00.000Z', urgent: null, title: 'c', owner: 'y' },
    { status: 'closed', votes: 10, score: -1, due: '2024-02-29T12:00:00.000Z', urgent: true, title: 'd', owner: 'y' },
    { status: null, votes: 1, score: 0.5, due: null, urgent: false, title: 'e', owner: 'y', tags: ['a'] },
  ];
  for (const body of rows) {
    const r = await api.request('POST', api.p('/collections/issues/records'), { token: api.secret, body });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  }
}

/** `token` null = a guest. */
async function aggregate(api: TestInstance, query: string, token: string | null = api.secret): Promise<any> {
  return api.request('GET', api.p(`/collections/issues/aggregate?${query}`), { token: token ?? undefined });
}

// [query, items]
const cases: Array<[string, unknown[]]> = [
  ['', [{ count: 5 }]],
  ['select=count,count(votes),count(tags),sum(votes),avg(votes),min(votes),max(votes)', [{ count: 5, count_votes: 4, count_tags: 1, sum_votes: 18, avg_votes: 4.5, min_votes: 1, max_votes: 10 }]],
  ['groupBy=status&select=count,sum(votes)', [
    { status: null, count: 1, sum_votes: 1 },
    { status: 'closed', count: 1, sum_votes: 10 },
    { status: 'open', count: 3, sum_votes: 7 },
  ]],
  ['groupBy=status&select=count&sort=-count', [{ status: 'open', count: 3 }, { status: null, count: 1 }, { status: 'closed', count: 1 }]],
  ['groupBy=week(due)&select=count,min(due),max(score)', [
    { week_due: null, count: 1, min_due: null, max_score: 0.5 },
    { week_due: '2024-01-01T00:00:00.000Z', count: 2, min_due: '2024-01-01T23:59:59.999Z', max_score: 2.25 },
    { week_due: '2024-01-08T00:00:00.000Z', count: 1, min_due: '2024-01-08T08:00:00.000Z', max_score: null },
    { week_due: '2024-02-26T00:00:00.000Z', count: 1, min_due: '2024-02-29T12:00:00.000Z', max_score: -1 },
  ]],
  ['groupBy=day(due)&filter=due!=null&sort=-day(due)&limit=2', [
    { day_due: '2024-02-29T00:00:00.000Z', count: 1 },
    { day_due: '2024-01-08T00:00:00.000Z', count: 1 },
  ]],
  ['groupBy=month(due),urgent&filter=status="open"&select=sum(score),avg(score)', [
    { month_due: '2024-01-01T00:00:00.000Z', urgent: null, sum_score: null, avg_score: null },
    { month_due: '2024-01-01T00:00:00.000Z', urgent: false, sum_score: 2.25, avg_score: 2.25 },
    { month_due: '2024-01-01T00:00:00.000Z', urgent: true, sum_score: 1.5, avg_score: 1.5 },
  ]],
  ['groupBy=status&filter=votes>100', []],
  ['filter=votes>100&select=count,sum(votes),min(due)', [{ count: 0, sum_votes: null, min_due: null }]],
];

forEachEngine(t, 'aggregate: groups, metrics, date keys and result types', async (t, api) => {
  await setUp(api);
  for (const [query, items] of cases) {
    const res = await aggregate(api, query);
    t.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
    t.same(res.body.items, items, query);
    t.strictSame(res.body.items, items, `${query} (types)`);
  }
});

// [query, parameter, position]
const badCases: Array<[string, string, number]> = [
  ['groupBy=status,nope', 'groupBy', 7],
  ['groupBy=tags', 'groupBy', 0],
  ['select=count,sum(title)', 'select', 10],
  ['select=avg(due)', 'select', 4],
  ['groupBy=year(due)', 'groupBy', 0],
  ['groupBy=status&sort=-votes', 'sort', 1],
  ['groupBy=day(title)', 'groupBy', 4],
  ['select=sum(votes', 'select', 0],
];

forEachEngine(t, 'aggregate: bad input is a 400 naming the parameter and the position', async (t, api) => {
  await setUp(api);
  for (const [query, parameter, position] of badCases) {
    const res = await aggregate(api, query);
    t.equal(res.status, 400, query);
    t.equal(codeOf(res), 'invalid_aggregate', query);
    t.same(res.body.error.details, { parameter, position, column: position + 1 }, query);
  }
  let res = await aggregate(api, 'filter=votes>"a"');
  t.equal(codeOf(res), 'invalid_filter');
  res = await aggregate(api, 'search=a');
  t.equal(codeOf(res), 'invalid_search', 'issues has no search option');
  res = await aggregate(api, 'limit=0');
  t.equal(res.status, 400);
  res = await api.request('GET', api.p('/collections/nope/aggregate'), { token: api.secret });
  t.equal(codeOf(res), 'collection_not_found');
});

forEachEngine(t, 'aggregate: the list rule is ANDed in; a locked list is a 403', async (t, api) => {
  await setUp(api, 'owner = auth.data.name || votes > 3');
  const guest = await aggregate(api, 'groupBy=owner&select=count,sum(votes)', null);
  t.same(guest.body.items, [{ owner: 'x', count: 1, sum_votes: 4 }, { owner: 'y', count: 1, sum_votes: 10 }], 'a guest sees votes > 3 only');
  const user = (await signUp(api, 'u@example.com')).session.accessToken;
  const asUser = await aggregate(api, 'select=count', user);
  t.same(asUser.body.items, [{ count: 2 }], 'a user too (no auth.data.name)');
  const service = await aggregate(api, 'select=count');
  t.same(service.body.items, [{ count: 5 }], 'the service role bypasses rules');
  await api.request('PATCH', api.p('/collections/issues'), { token: api.secret, body: { rules: { list: null } } });
  t.equal((await aggregate(api, 'select=count', null)).status, 403);
});
