import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers services/records/cursor.ts (typed cursor values) and the multipart
// upload route (bodies busboy cannot read): odd requests a client can send get
// a 4xx envelope, never a 500.

const cursorOf = (sort: string, values: unknown[]) => Buffer.from(JSON.stringify({ s: sort, v: values })).toString('base64url');

forEachEngine(t, 'a cursor whose values do not fit their columns is 400 invalid_cursor', async (t, api) => {
  const req = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.secret, body });
  await req('POST', '/collections', { name: 'tasks', fields: [{ name: 'done', type: 'boolean' }, { name: 'n', type: 'integer' }, { name: 'title', type: 'text' }] });
  for (let i = 0; i < 5; i++) await req('POST', '/collections/tasks/records', { done: i % 2 === 0, n: i, title: `t${i}` });

  // Paging over a boolean sort works on both engines, through its own cursors.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await req('GET', `/collections/tasks/records?sort=done&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.status, 200, JSON.stringify(res.body));
    seen.push(...res.body.items.map((r: { title: string }) => r.title));
    cursor = res.body.nextCursor;
  } while (cursor);
  t.same(seen.sort(), ['t0', 't1', 't2', 't3', 't4'], 'every record once');
  t.equal((await req('GET', `/collections/tasks/records?sort=done&cursor=${cursorOf('done', [true, 'x'])}`)).status, 200, 'a boolean for a boolean column is fine');

  const bad: Array<[string, unknown[]]> = [
    ['id', [true]],
    ['id', [1]],
    ['n', ['abc', 'x']],
    ['n', [true, 'x']],
    ['title', [{ a: 1 }, 'x']],
    ['title', ['a\u0000', 'x']],
    ['done', ['yes', 'x']],
  ];
  for (const [sort, values] of bad) {
    const sortParam = sort === 'id' ? '' : `sort=${sort}&`;
    const res = await req('GET', `/collections/tasks/records?${sortParam}cursor=${cursorOf(sort === 'id' ? '' : sort, values)}`);
    t.equal(res.status, 400, `${sort} ${JSON.stringify(values)}: ${JSON.stringify(res.body)}`);
    t.equal(res.body.error?.code, 'invalid_cursor');
  }
});

forEachEngine(t, 'a multipart body busboy cannot read is a 4xx envelope', async (t, api) => {
  let res = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body: { name: 'files', public: false } });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const upload = (contentType: string, body: string) => api.app.inject({
    method: 'POST',
    url: api.p('/storage/buckets/files/objects/a.txt'),
    headers: { authorization: `Bearer ${api.secret}`, 'content-type': contentType },
    payload: body,
  });
  const cases: Array<[string, string, string]> = [
    ['no boundary', 'multipart/form-data', '--x\r\ncontent-disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhi\r\n--x--\r\n'],
    ['an empty boundary', 'multipart/form-data; boundary=', 'hi'],
    ['a malformed part header', 'multipart/form-data; boundary=x', '--x\r\nno colon here\r\n\r\nhi\r\n--x--\r\n'],
    ['no closing delimiter', 'multipart/form-data; boundary=x', '--x\r\ncontent-disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhi'],
  ];
  for (const [name, contentType, body] of cases) {
    const reply = await upload(contentType, body);
    t.ok(reply.statusCode >= 400 && reply.statusCode < 500, `${name}: ${reply.statusCode} ${reply.body}`);
    t.type(JSON.parse(reply.body).error?.code, 'string', `${name}: the envelope`);
  }
  res = await api.request('GET', api.p('/storage/buckets/files/objects'), { token: api.secret });
  t.same(res.body.items, [], 'nothing was stored');
});
