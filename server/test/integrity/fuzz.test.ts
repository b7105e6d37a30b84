import t from 'tap';
import fc from 'fast-check';
import { forEachEngine, type TestInstance } from '../harness.ts';
import { listenRealtime, RealtimeClient, type Frame } from '../realtime.ts';

// Fuzzes the HTTP API in-process on both engines: record bodies (odd Unicode,
// prototype keys, huge numbers, deep nesting), filter/sort/cursor parameters,
// collection definitions, storage paths, multipart bodies and realtime frames. Never a 5xx, always the error
// envelope, a 2xx write reads back as acknowledged, and health stays fast.
// BAAS_FUZZ_RUNS raises the inputs per property (CI: 60).

const RUNS = Number(process.env.BAAS_FUZZ_RUNS ?? 60);

/** Strings that stress storage: lone surrogates, NUL, controls, astral characters, prototype names. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', '\u0000', '\ud800', '\udc00x', '\u2028', 'é', '😀', "'", '"', '\\', '%', '_'),
);
const oddNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(2 ** 53, -(2 ** 53), 1e308, -0, 5e-324, Number.MAX_SAFE_INTEGER));
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, oddString, oddNumber, fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(oddString, tie('value'), { maxKeys: 4 })),
})).value;

let count = 0;
let fives = 0;
let slowestHealth = 0;

async function check(t: any, api: TestInstance, res: { status: number; body: any }, what: string): Promise<void> {
  count++;
  if (res.status >= 500) {
    fives++;
    t.fail(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  if (res.status >= 400 && typeof res.body?.error?.code !== 'string') t.fail(`${what}: no envelope: ${JSON.stringify(res.body).slice(0, 300)}`);
  if (count % 50 === 0) {
    const started = performance.now();
    const health = await api.request('GET', '/v1/health');
    slowestHealth = Math.max(slowestHealth, performance.now() - started);
    if (health.status !== 200) t.fail(`health ${health.status}`);
  }
}

forEachEngine(t, 'fuzz: never a 5xx, always the envelope, 2xx reads back identical', async (t, api) => {
  [count, fives, slowestHealth] = [0, 0, 0];
  const sk = api.secret;
  const req = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api.request(method, api.p(path), { token: sk, body, headers });
  let res = await req('POST', '/collections', {
    name: 'things',
    fields: [
      { name: 'title', type: 'text' }, { name: 'n', type: 'number' }, { name: 'i', type: 'integer' }, { name: 'ok', type: 'boolean' },
      { name: 'data', type: 'json' }, { name: 'constructor', type: 'text' }, { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
      { name: 'at', type: 'date' }, { name: 'code', type: 'text', pattern: '([a-z0-9]+)+' },
    ],
    rules: { list: '', view: '', create: '', update: '', delete: '' },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  await req('POST', '/storage/buckets', { name: 'files', rules: { read: '', write: '' } });
  const keys = ['title', 'n', 'i', 'ok', 'data', 'constructor', 'tags', 'at', 'code', 'id', 'created_at', 'nope', '__proto__', 'toString'];

  // Record bodies: the raw JSON text, so lone surrogates and __proto__ reach the server as sent.
  await fc.assert(fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), jsonish, { maxKeys: 5 }), async (body) => {
    const text = JSON.stringify(body);
    const created = await req('POST', '/collections/things/records', text, { 'content-type': 'application/json' });
    await check(t, api, created, `create ${text.slice(0, 200)}`);
    if (created.status === 201) {
      const read = await req('GET', `/collections/things/records/${created.body.id}`);
      if (JSON.stringify(read.body) !== JSON.stringify(created.body)) {
        // jsonb may reorder object keys; compare structurally then.
        t.same(read.body, created.body, `reads back as acknowledged: ${text.slice(0, 200)}`);
      }
      const patch = JSON.stringify(Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'id')));
      const patched = await req('PATCH', `/collections/things/records/${created.body.id}`, patch, { 'content-type': 'application/json' });
      await check(t, api, patched, `patch ${patch.slice(0, 200)}`);
    }
  }), { numRuns: RUNS });

  // Filter, sort and cursor parameters.
  const filterPart = fc.oneof(oddString, fc.constantFrom('title', 'n', 'constructor', "'", '=', '~', '&&', '||', '(', ')', 'in', 'null', 'true', '1e999', '-', "tags ?= 'a'", 'request.data.x', 'auth.id'));
  await fc.assert(fc.asyncProperty(fc.array(filterPart, { maxLength: 6 }), fc.array(fc.constantFrom(...keys, '-n', '+i', ''), { maxLength: 3 }), fc.oneof(oddString, fc.base64String(), jsonish.map((v) => Buffer.from(JSON.stringify({ s: '', v: [v] })).toString('base64url'))), async (filter, sort, cursor) => {
    const q = new URLSearchParams();
    q.set('filter', filter.join(' '));
    if (sort.length) q.set('sort', sort.join(','));
    if (typeof cursor === 'string' && cursor) q.set('cursor', cursor);
    let url: string;
    try {
      url = `/collections/things/records?${q.toString()}`;
    } catch {
      return; // a lone surrogate cannot be put in a URL
    }
    await check(t, api, await req('GET', url), `list ${url.slice(0, 200)}`);
  }), { numRuns: RUNS });

  // Collection definitions: names, types, patterns.
  await fc.assert(fc.asyncProperty(oddString, fc.array(fc.record({ name: oddString, type: fc.constantFrom('text', 'json', 'number', 'select', 'nope'), pattern: fc.option(oddString, { nil: undefined }) }), { maxLength: 3 }), async (name, fields) => {
    const body = JSON.stringify({ name: `c${name}`, fields });
    const created = await req('POST', '/collections', body, { 'content-type': 'application/json' });
    await check(t, api, created, `collection ${body.slice(0, 200)}`);
    if (created.status === 201) await check(t, api, await req('DELETE', `/collections/${created.body.name}`), 'delete collection');
  }), { numRuns: RUNS });

  // Storage paths.
  await fc.assert(fc.asyncProperty(fc.array(oddString, { minLength: 1, maxLength: 3 }), async (segments) => {
    let path: string;
    try {
      path = segments.map((s) => encodeURIComponent(s)).join('/');
    } catch {
      return;
    }
    const put = await api.request('PUT', api.p(`/storage/buckets/files/objects/${path}`), { token: sk, body: 'x', headers: { 'content-type': 'text/plain' } });
    await check(t, api, put, `put ${path.slice(0, 200)}`);
    if (put.status === 200) await check(t, api, await api.request('GET', api.p(`/storage/buckets/files/objects/${path}`), { token: sk }), 'get object');
  }), { numRuns: RUNS });

  // Multipart bodies: odd boundaries, part headers and content, with or without the closing delimiter, cut anywhere.
  const part = fc.record({
    headers: fc.oneof(fc.constant('Content-Disposition: form-data; name="file"; filename="f.txt"\r\nContent-Type: text/plain'), fc.constant('Content-Disposition: form-data; name="x"'), oddString),
    content: oddString,
  });
  await fc.assert(fc.asyncProperty(fc.constantFrom('B', 'x'.repeat(70), 'a b', '--', ''), fc.array(part, { maxLength: 3 }), fc.boolean(), fc.option(fc.nat(), { nil: undefined }), fc.boolean(), async (boundary, parts, closed, cut, declared) => {
    let body = parts.map((p) => `--${boundary}\r\n${p.headers}\r\n\r\n${p.content}\r\n`).join('') + (closed ? `--${boundary}--\r\n` : '');
    if (cut !== undefined) body = body.slice(0, cut % (body.length + 1));
    const type = declared ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data';
    const res = await api.request('POST', api.p('/storage/buckets/files/objects/fuzz/upload.txt'), { token: sk, body, headers: { 'content-type': type } });
    await check(t, api, res, `multipart ${JSON.stringify(body).slice(0, 200)}`);
    if (res.status < 300) t.equal((await api.request('GET', api.p('/storage/buckets/files/objects/fuzz/upload.txt'), { token: sk })).status, 200, 'an acknowledged upload reads back');
  }), { numRuns: RUNS });

  // Realtime frames: odd JSON, odd ops and fields, non-JSON text. Each is followed by a probe the
  // server must still answer; no frame may be an internal error, and the socket never closes 1011.
  const url = await listenRealtime(api);
  let socket: RealtimeClient | undefined;
  let probes = 0;
  const frameOf = fc.oneof(
    fc.record({ op: fc.constantFrom('auth', 'subscribe', 'unsubscribe', 'join', 'leave', 'broadcast', 'nope', ''), id: fc.oneof(oddString, fc.integer(), fc.constant(undefined)), collection: fc.oneof(fc.constant('things'), oddString), filter: fc.oneof(oddString, fc.constant('n > 1')), since: fc.oneof(oddNumber, oddString), recordId: oddString, channel: oddString, event: oddString, payload: jsonish, presence: jsonish, token: fc.oneof(oddString, fc.constant(sk)) }, { requiredKeys: ['op'] }).map((m) => JSON.stringify(m)),
    jsonish.map((v) => JSON.stringify(v)),
    oddString,
  );
  await fc.assert(fc.asyncProperty(frameOf, async (frame) => {
    if (!socket || socket.socket.readyState !== socket.socket.OPEN) {
      socket = await RealtimeClient.connect(url);
      t.equal((await socket.call({ op: 'auth', id: 'auth', token: sk })).op, 'ack', 'the probe connection authenticates');
    }
    const client = socket;
    client.send(frame);
    const probe = `probe-${++probes}`;
    client.send({ op: 'unsubscribe', id: probe });
    const answer = await Promise.race([client.next((f: Frame) => f.id === probe, 10_000), client.closed.then((c) => ({ closed: c }))]);
    count++;
    const internal = client.frames.find((f) => f.op === 'error' && f.error?.code === 'internal_error');
    if (internal || ('closed' in answer && answer.closed.code === 1011)) {
      fives++;
      t.fail(`realtime ${frame.slice(0, 200)}: ${JSON.stringify(internal ?? answer).slice(0, 300)}`);
    }
    client.frames.length = 0;
  }), { numRuns: RUNS });
  socket?.close();

  t.equal(fives, 0, `${count} inputs, 0 5xx`);
  t.ok(slowestHealth < 100, `slowest health probe ${slowestHealth.toFixed(1)} ms`);
  t.comment(`fuzz [${api.engine}]: ${count} inputs, ${fives} 5xx, slowest health ${slowestHealth.toFixed(1)} ms`);
});
