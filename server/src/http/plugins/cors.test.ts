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
