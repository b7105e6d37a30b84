/** Covers services/records/access.ts (list, view, create, update and delete rules) through the record routes. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';

type Actor = 'guest' | 'service' | 'admin';
type Op = 'list' | 'view' | 'create' | 'update' | 'delete';

/** Three collections that differ only in their rules: all null, all '', all one expression. */
const ruleStates = {
  locked: null,
  open: '',
  expr: "status = 'open'",
} as const;

function tokenOf(api: TestInstance, actor: Actor): string | undefined {
  return actor === 'service' ? api.secret : actor === 'admin' ? api.adminToken : undefined;
}

/**
 * Runs one operation on a fresh target record (status `open` or `draft`,
 * created by the service role) and answers the status (plus, for lists, the
 * statuses of the records seen).
 */
async function run(api: TestInstance, collection: string, actor: Actor, op: Op, target: 'open' | 'draft'): Promise<string> {
  const base = api.p(`/collections/${collection}/records`);
  const seeded = await api.request('POST', base, { token: api.secret, body: { title: 'seed', status: target } });
  if (seeded.status !== 201) throw new Error(JSON.stringify(seeded.body));
  const token = tokenOf(api, actor);
  const id = seeded.body.id;
  let res;
  switch (op) {
    case 'list':
      res = await api.request('GET', `${base}?filter=${encodeURIComponent(`id = '${id}'`)}&count=true`, { token });
      return res.status === 200 ? `200:${res.body.items.length}/${res.body.total}` : String(res.status);
    case 'view':
      return String((await api.request('GET', `${base}/${id}`, { token })).status);
    case 'create':
      return String((await api.request('POST', base, { token, body: { title: 'new', status: target } })).status);
    case 'update':
      return String((await api.request('PATCH', `${base}/${id}`, { token, body: { title: 'edited' } })).status);
    case 'delete':
      return String((await api.request('DELETE', `${base}/${id}`, { token })).status);
  }
}

// [state, op, target] -> the guest's answer. The service role and admins get the '' column everywhere.
const expected: Record<keyof typeof ruleStates, Record<Op, { open: string; draft: string }>> = {
  locked: {
    list: { open: '403', draft: '403' },
    view: { open: '403', draft: '403' },
    create: { open: '403', draft: '403' },
    update: { open: '403', draft: '403' },
    delete: { open: '403', draft: '403' },
  },
  open: {
    list: { open: '200:1/1', draft: '200:1/1' },
    view: { open: '200', draft: '200' },
    create: { open: '201', draft: '201' },
    update: { open: '200', draft: '200' },
    delete: { open: '204', draft: '204' },
  },
  expr: {
    // the list rule is a filter: the draft is not an error, just absent (from the count too)
    list: { open: '200:1/1', draft: '200:0/0' },
    // view/update/delete: WHERE id = ? AND (rule): hidden rows are 404, never 403
    view: { open: '200', draft: '404' },
    // create: judged on the record as it would be stored, before the insert
    create: { open: '201', draft: '403' },
    update: { open: '200', draft: '404' },
    delete: { open: '204', draft: '404' },
  },
};

forEachEngine(t, 'rules: the matrix of null / "" / expression per operation and actor', async (t, api) => {
  for (const [state, rule] of Object.entries(ruleStates)) {
    const res = await api.request('POST', api.p('/collections'), {
      token: api.secret,
      body: {
        name: `m_${state}`,
        fields: [{ name: 'title', type: 'text' }, { name: 'status', type: 'select', values: ['open', 'draft'] }],
        rules: { list: rule, view: rule, create: rule, update: rule, delete: rule },
      },
    });
    t.equal(res.status, 201, JSON.stringify(res.body));
  }
  for (const state of Object.keys(ruleStates) as Array<keyof typeof ruleStates>) {
    for (const actor of ['guest', 'service', 'admin'] as Actor[]) {
      for (const op of ['list', 'view', 'create', 'update', 'delete'] as Op[]) {
        for (const target of ['open', 'draft'] as const) {
          const want = actor === 'guest' ? expected[state][op][target] : expected.open[op][target];
          t.equal(await run(api, `m_${state}`, actor, op, target), want, `${state} rule, ${actor}, ${op} ${target}`);
        }
      }
    }
  }
  // a refused create left nothing behind; refused deletes and updates changed nothing
  const res = await api.request('GET', api.p('/collections/m_expr/records?count=true&filter=' + encodeURIComponent("title = 'new' && status = 'draft'")), { token: api.secret });
  t.equal(res.body.total, 2, 'only the drafts of the service role and the admin exist');
  const locked = await api.request('GET', api.p('/collections/m_locked/records?count=true&filter=' + encodeURIComponent("title = 'edited'")), { token: api.secret });
  t.equal(locked.body.total, 4, 'only service role and admin edits');
});

forEachEngine(t, 'rules: list rule as a filter, request.data, now', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: {
      name: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'status', type: 'select', values: ['open', 'draft'] },
        { name: 'votes', type: 'integer', default: 0 },
        { name: 'publish_at', type: 'date' },
      ],
      rules: {
        list: "status = 'open' && (publish_at = null || publish_at <= now)",
        view: "publish_at = null || publish_at <= now",
        // guests create only open posts and must say so explicitly
        create: "request.data.status = 'open' && votes = 0",
        // nobody but the service role changes the status or votes
        update: 'request.data.status = null && request.data.votes = null',
        delete: null,
      },
    },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const records = api.p('/collections/posts/records');
  const past = new Date(Date.now() - 3600_000).toISOString();
  const future = new Date(Date.now() + 3600_000).toISOString();
  const seed: Array<[string, string, string | null]> = [
    ['o1', 'open', null], ['d1', 'draft', null], ['o2', 'open', past], ['o3', 'open', future],
    ['d2', 'draft', past], ['o4', 'open', null], ['o5', 'open', past], ['d3', 'draft', null],
  ];
  for (const [title, status, publish_at] of seed) {
    res = await api.request('POST', records, { token: sk, body: { title, status, publish_at } });
    t.equal(res.status, 201);
  }
  const visible = ['o1', 'o2', 'o4', 'o5'];

  // count and both paging styles respect the list rule
  res = await api.request('GET', `${records}?count=true&sort=title`);
  t.same(res.body.items.map((r: any) => r.title), visible);
  t.equal(res.body.total, 4);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    res = await api.request('GET', `${records}?sort=-title&limit=3&count=true${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.body.total, 4, 'total on every page');
    seen.push(...res.body.items.map((r: any) => r.title));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  t.same(seen, [...visible].reverse());
  t.equal(pages, 2, 'no empty trailing page');
  res = await api.request('GET', `${records}?sort=title&page=2&perPage=3&count=true`);
  t.same(res.body.items.map((r: any) => r.title), ['o5']);
  t.equal(res.body.total, 4);
  // a client filter narrows within the rule, never beyond it
  res = await api.request('GET', `${records}?count=true&filter=${encodeURIComponent("status = 'draft'")}`);
  t.equal(res.body.total, 0);

  // now: the future post is hidden from view until its time
  const byTitle = async (title: string) =>
    (await api.request('GET', `${records}?filter=${encodeURIComponent(`title = '${title}'`)}`, { token: sk })).body.items[0];
  const o3 = await byTitle('o3');
  res = await api.request('GET', `${records}/${o3.id}`);
  t.equal(res.status, 404, 'scheduled in the future');
  res = await api.request('PATCH', `${records}/${o3.id}`, { token: sk, body: { publish_at: past } });
  t.equal(res.status, 200);
  res = await api.request('GET', `${records}/${o3.id}`);
  t.equal(res.status, 200, 'visible once its time has come');

  // request.data in a create rule
  const creates: Array<[string, Record<string, unknown>, number]> = [
    ['explicitly open', { title: 'g1', status: 'open' }, 201],
    ['status left out', { title: 'g2' }, 403],
    ['draft', { title: 'g3', status: 'draft' }, 403],
    ['votes preset', { title: 'g4', status: 'open', votes: 10 }, 403],
  ];
  for (const [label, body, status] of creates) {
    res = await api.request('POST', records, { body });
    t.equal(res.status, status, `create, ${label}: ${JSON.stringify(res.body)}`);
  }
  res = await api.request('GET', `${records}?count=true&filter=${encodeURIComponent("title ~ 'g'")}`, { token: sk });
  t.equal(res.body.total, 1, 'refused creates left nothing');

  // request.data in an update rule (judged in the WHERE: a refused update is 404)
  const o1 = await byTitle('o1');
  const updates: Array<[string, Record<string, unknown>, number]> = [
    ['title only', { title: 'o1 edited' }, 200],
    ['status', { status: 'draft' }, 404],
    ['votes with a title', { title: 'x', votes: 5 }, 404],
  ];
  for (const [label, body, status] of updates) {
    res = await api.request('PATCH', `${records}/${o1.id}`, { body });
    t.equal(res.status, status, `update, ${label}: ${JSON.stringify(res.body)}`);
  }
  const after = await byTitle('o1 edited');
  t.match(after, { status: 'open', votes: 0 }, 'refused updates changed nothing');
  res = await api.request('PATCH', `${records}/${o1.id}`, { token: sk, body: { votes: 5 } });
  t.equal(res.status, 200, 'the service role bypasses the rule');
  res = await api.request('DELETE', `${records}/${o1.id}`);
  t.equal(res.status, 403, 'locked delete rule');
});
