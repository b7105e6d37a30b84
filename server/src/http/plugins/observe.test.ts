/** Covers http/plugins/observe.ts and http/redact.ts (request ids, the request log line, redaction). */
import t from 'tap';
import { startInstance } from '../../../test/harness.ts';
import { redactUrl } from '../redact.ts';

/** An instance logging at info into an array of parsed lines. */
async function loggedInstance(t: any, overrides = {}) {
  const lines: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const api = await startInstance('sqlite', undefined, { logLevel: 'info', ...overrides }, {
    logStream: { write: (line: string) => (raw.push(line), lines.push(JSON.parse(line))) },
  });
  t.teardown(() => api.close());
  return { api, lines, raw };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('every reply carries x-request-id; an incoming one is trusted only from a trusted proxy', async (t) => {
  const { api } = await loggedInstance(t);
  const fresh = await api.request('GET', '/v1/health');
  t.match(fresh.headers['x-request-id'], uuid);
  const other = await api.request('GET', '/v1/health');
  t.not(other.headers['x-request-id'], fresh.headers['x-request-id'], 'one id per request');
  const spoofed = await api.request('GET', '/v1/health', { headers: { 'x-request-id': 'chosen-by-client' } });
  t.match(spoofed.headers['x-request-id'], uuid, 'without trustProxy a client cannot pick the id');
  t.match((await api.request('GET', '/v1/nope')).headers['x-request-id'], uuid, 'a 404 has one too');

  for (const trustProxy of [true, '127.0.0.1', '127.0.0.0/8'] as const) {
    const behind = await startInstance('sqlite', undefined, { trustProxy });
    t.teardown(() => behind.close());
    const res = await behind.request('GET', '/v1/health', { headers: { 'x-request-id': 'from-the-proxy.42' } });
    t.equal(res.headers['x-request-id'], 'from-the-proxy.42', `trustProxy ${trustProxy}: the proxy's id goes round trip`);
    const junk = await behind.request('GET', '/v1/health', { headers: { 'x-request-id': 'a b\u0000c' } });
    t.match(junk.headers['x-request-id'], uuid, 'an id that is not a plain token is replaced');
  }
  const elsewhere = await startInstance('sqlite', undefined, { trustProxy: '10.0.0.0/8' });
  t.teardown(() => elsewhere.close());
  const direct = await elsewhere.request('GET', '/v1/health', { headers: { 'x-request-id': 'from-the-proxy.42' } });
  t.match(direct.headers['x-request-id'], uuid, 'a peer outside the trusted proxies cannot pick the id');
});

t.test('a 5xx envelope names the request id, and its one log line carries the error', async (t) => {
  const { api, lines } = await loggedInstance(t);
  // With a response schema, as real routes have: the serializer must keep requestId.
  api.app.get('/v1/test-boom', { schema: { response: { 500: { $ref: 'ErrorEnvelope#' } } } }, async () => {
    throw new Error('the disk is on fire');
  });
  const res = await api.request('GET', '/v1/test-boom');
  t.equal(res.status, 500);
  t.equal(res.body.error.code, 'internal_error');
  t.equal(res.body.error.requestId, res.headers['x-request-id'], 'the envelope names the id of the reply');
  t.notMatch(JSON.stringify(res.body), /fire/, 'the cause stays in the log');
  const mine = lines.filter((l) => l.reqId === res.body.error.requestId);
  t.equal(mine.length, 1, 'one line');
  t.match(mine[0], { level: 50, msg: 'request', route: '/v1/test-boom', status: 500, err: { message: 'the disk is on fire' } });

  const notFound = await api.request('GET', api.p('/collections/nope/records'), { token: api.secret });
  t.equal(notFound.status, 404);
  t.notOk('requestId' in notFound.body.error, 'a 4xx envelope is unchanged');
});

t.test('one line per request: id, method, route pattern, status, duration, project, actor kind', async (t) => {
  const { api, lines } = await loggedInstance(t);
  await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'notes', fields: [{ name: 'title', type: 'text' }] } });
  const before = lines.length;
  const replies = [
    await api.request('GET', api.p('/collections/notes/records?limit=5'), { token: api.secret }),
    await api.request('GET', api.p('/collections/notes/records')),
    await api.request('GET', '/v1/admin/projects', { token: api.adminToken }),
    await api.request('GET', '/v1/admin/projects'),
  ];
  const added = lines.slice(before);
  t.equal(added.length, replies.length, 'exactly one line per request, nothing else');
  const ids = replies.map((r) => r.headers['x-request-id']);
  t.same(added.map((l) => l.reqId), ids, 'each line names its request');
  t.match(added[0], {
    level: 30, msg: 'request', method: 'GET', route: '/v1/projects/:project/collections/:name/records',
    url: '/v1/projects/app/collections/notes/records?limit=5', status: 200, ms: Number, project: 'app', actor: 'service',
  });
  t.match(added[1], { project: 'app', actor: 'guest' });
  t.match(added[2], { route: '/v1/admin/projects', status: 200, project: null, actor: 'admin' });
  t.match(added[3], { status: 401, actor: 'guest' });
  for (const line of added) t.notOk('req' in line || 'res' in line, 'no raw request or reply objects (headers carry tokens)');
  t.notMatch(JSON.stringify(added), api.secret, 'the bearer token is in no line');
});

t.test("a signed URL's token and a password-reset token never reach the log", async (t) => {
  const { api, raw } = await loggedInstance(t, { publicUrl: 'http://baas.test' });
  const sk = api.secret;
  await api.request('POST', api.p('/storage/buckets'), { token: sk, body: { name: 'photos' } });
  await api.request('PUT', api.p('/storage/buckets/photos/objects/cat.txt'), { token: sk, body: 'meow', headers: { 'content-type': 'text/plain' } });
  const signed = await api.request('POST', api.p('/storage/buckets/photos/sign'), { token: sk, body: { path: 'cat.txt', expiresIn: 60 } });
  const url = new URL(signed.body.url);
  const read = await api.request('GET', `${url.pathname}${url.search}&download=1`);
  t.equal(read.body, 'meow');
  const range = await api.request('GET', url.pathname + url.search, { headers: { range: 'bytes=0-1' } });
  t.equal(range.status, 206);

  const email = 'reset@example.com';
  t.equal((await api.request('POST', api.p('/auth/signup'), { body: { email, password: 'first password' } })).status, 201);
  await api.request('POST', api.p('/auth/password-reset/request'), { body: { email } });
  await api.app.baas.mailer.idle();
  const outbox = await api.request('GET', api.p('/auth/outbox'), { token: sk });
  const resetToken = /[#&]token=([A-Za-z0-9_-]+)/.exec(outbox.body.items[0].text)![1];
  const confirmed = await api.request('POST', api.p('/auth/password-reset/confirm'), { body: { token: resetToken, password: 'second password' } });
  t.equal(confirmed.status, 200);
  // The same token in a query string (a client that puts it there) is redacted too.
  await api.request('GET', api.p(`/collections?token=${resetToken}&password=hunter2&apiKey=k1`));

  const log = raw.join('');
  t.ok(log.includes('token=[redacted]'), 'the parameter is named, its value is not');
  for (const secret of [signed.body.token, encodeURIComponent(signed.body.token), resetToken, 'hunter2', 'k1&', sk]) {
    t.notOk(log.includes(secret), `the log does not contain ${secret.slice(0, 12)}…`);
  }
});

t.test('redactUrl keeps names and plain values, hides secret values', async (t) => {
  t.equal(redactUrl('/a/b'), '/a/b');
  t.equal(redactUrl('/a?limit=5&token=abc&x'), '/a?limit=5&token=[redacted]&x');
  t.equal(redactUrl('/a?apikey=1&Password=2&client_secret=3&code=4&state=5&filter=name%3D1'), '/a?apikey=[redacted]&Password=[redacted]&client_secret=[redacted]&code=[redacted]&state=[redacted]&filter=name%3D1');
  t.equal(redactUrl('/a?%74oken=abc'), '/a?%74oken=[redacted]', 'an encoded name is still recognized');
});
