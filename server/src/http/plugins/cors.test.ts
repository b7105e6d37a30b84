/** Covers http/plugins/cors.ts (origins, preflight, exposed headers). */
import t from 'tap';
import { startInstance } from '../../../test/harness.ts';

const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/v1/projects/app/collections/todos/records/x',
  headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
});

t.test('any origin by default: browser apps on another port can call the API', async (t) => {
  const instance = await startInstance('sqlite');
  t.teardown(() => instance.close());
  const res = await instance.app.inject(preflight('http://localhost:5173'));
  t.equal(res.statusCode, 204);
  t.equal(res.headers['access-control-allow-origin'], '*');
  t.match(String(res.headers['access-control-allow-methods']), /PATCH/);
  t.match(String(res.headers['access-control-allow-headers']), /authorization/);
  const get = await instance.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: 'http://localhost:5173' } });
  t.equal(get.headers['access-control-allow-origin'], '*');
  t.match(String(get.headers['access-control-expose-headers']), /etag/);
});

t.test('a list of origins admits only those', async (t) => {
  const instance = await startInstance('sqlite', undefined, { corsOrigins: 'https://app.example.com, http://localhost:5173' });
  t.teardown(() => instance.close());
  const allowed = await instance.app.inject(preflight('https://app.example.com'));
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
  const other = await instance.app.inject(preflight('https://evil.example'));
  t.equal(other.headers['access-control-allow-origin'], undefined);
});

t.test("'' turns CORS off", async (t) => {
  const instance = await startInstance('sqlite', undefined, { corsOrigins: '' });
  t.teardown(() => instance.close());
  const get = await instance.app.inject({ method: 'GET', url: '/v1/health', headers: { origin: 'http://localhost:5173' } });
  t.equal(get.statusCode, 200);
  t.equal(get.headers['access-control-allow-origin'], undefined);
});

// Every CORS header of a reply, exactly: what @fastify/cors answered before the hook replaced it.
const corsHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => /^access-control-|^vary$/.test(k)));
const exposed = { 'access-control-expose-headers': 'etag, content-range, content-length, content-disposition, last-modified, retry-after, accept-ranges' };
const preflightHeaders = {
  ...exposed,
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
  'access-control-allow-headers': 'authorization, content-type, x-upsert, range, if-none-match, if-match',
  'access-control-max-age': '600',
};

t.test('the headers of every kind of reply, exactly', async (t) => {
  const app = 'https://app.example.com';
  const evil = 'https://evil.example';
  const cases: Array<[string | undefined, { method: 'GET' | 'OPTIONS'; url: string; headers?: Record<string, string> }, number, Record<string, string>]> = [
    [undefined, preflight(app), 204, { 'access-control-allow-origin': '*', ...preflightHeaders }],
    [undefined, { method: 'OPTIONS', url: '/nope' }, 204, { 'access-control-allow-origin': '*', ...preflightHeaders }],
    [undefined, { method: 'GET', url: '/v1/health' }, 200, { 'access-control-allow-origin': '*', ...exposed }],
    [undefined, { method: 'GET', url: '/v1/nope', headers: { origin: evil } }, 404, { 'access-control-allow-origin': '*', ...exposed }],
    [`${app}, http://localhost:5173`, preflight(app), 204, { vary: 'Origin', 'access-control-allow-origin': app, ...preflightHeaders }],
    [`${app}, http://localhost:5173`, preflight(evil), 204, { vary: 'Origin', ...preflightHeaders }],
    [`${app}, http://localhost:5173`, { method: 'OPTIONS', url: '/nope' }, 204, { vary: 'Origin', ...preflightHeaders }],
    [`${app}, http://localhost:5173`, { method: 'GET', url: '/v1/health', headers: { origin: app } }, 200, { vary: 'Origin', 'access-control-allow-origin': app, ...exposed }],
    [`${app}, http://localhost:5173`, { method: 'GET', url: '/v1/health', headers: { origin: evil } }, 200, { vary: 'Origin', ...exposed }],
    [`${app}, http://localhost:5173`, { method: 'GET', url: '/v1/health' }, 200, { vary: 'Origin', ...exposed }],
    [`${app}, http://localhost:5173`, { method: 'GET', url: '/v1/nope', headers: { origin: 'http://localhost:5173' } }, 404, { vary: 'Origin', 'access-control-allow-origin': 'http://localhost:5173', ...exposed }],
  ];
  for (const corsOrigins of [undefined, `${app}, http://localhost:5173`]) {
    const instance = await startInstance('sqlite', undefined, corsOrigins ? { corsOrigins } : undefined);
    for (const [origins, request, status, headers] of cases.filter((c) => c[0] === corsOrigins)) {
      const res = await instance.app.inject(request);
      const what = `${origins ?? '*'}: ${request.method} ${request.url} from ${request.headers?.origin ?? 'no origin'}`;
      t.equal(res.statusCode, status, `${what}: status`);
      t.same(corsHeaders(res.headers), headers, `${what}: headers`);
      if (request.method === 'OPTIONS') {
        t.equal(res.headers['content-length'], '0', `${what}: an empty body, said so`);
        t.equal(res.body, '', `${what}: no body`);
        t.ok(res.headers['x-request-id'], `${what}: the request id header still comes`);
      }
    }
    await instance.close();
  }
});
