/** Covers http/plugins/rate-limits.ts (per-account, per-IP and per-inbox limits of the auth routes). */
import t from 'tap';
import { startInstance } from '../../../test/harness.ts';
import { authLimits } from './rate-limits.ts';

const api = await startInstance('sqlite', undefined, { rateLimits: true });
t.teardown(() => api.close());

const login = (email: string, ip: string) =>
  api.app.inject({ method: 'POST', url: api.p('/auth/login'), remoteAddress: ip, payload: { email, password: 'wrong password' } });

t.test('per account: a distributed guess at one password is stopped', async (t) => {
  await api.request('POST', api.p('/auth/signup'), { body: { email: 'victim@example.com', password: 'a long password' } });
  const { perAccount } = authLimits['/v1/projects/:project/auth/login'];
  // Each attempt from a different address: only the per-account limit can stop them.
  for (let i = 0; i < perAccount!; i++) t.equal((await login('victim@example.com', `10.0.0.${i + 1}`)).statusCode, 401);
  const blocked = await login('Victim@Example.com ', '10.0.1.1');
  t.equal(blocked.statusCode, 429, 'case and spaces do not make a new account key');
  t.match(JSON.parse(blocked.body), { error: { code: 'rate_limited', details: { retryAfter: Number } } });
  t.ok(Number(blocked.headers['retry-after']) > 0, 'Retry-After is set');
  // Another account is not affected.
  t.equal((await login('someone-else@example.com', '10.0.1.2')).statusCode, 401);
});

t.test('per IP: one client hammering many accounts is stopped', async (t) => {
  const { perIp } = authLimits['/v1/projects/:project/auth/signup'];
  const statuses: number[] = [];
  for (let i = 0; i <= perIp; i++) {
    const res = await api.app.inject({ method: 'POST', url: api.p('/auth/signup'), remoteAddress: '192.0.2.7', payload: { email: `u${i}@example.com`, password: 'a long password' } });
    statuses.push(res.statusCode);
  }
  t.same(statuses.slice(0, perIp), Array(perIp).fill(201));
  t.equal(statuses[perIp], 429);
  const other = await api.app.inject({ method: 'POST', url: api.p('/auth/signup'), remoteAddress: '192.0.2.8', payload: { email: 'x@example.com', password: 'a long password' } });
  t.equal(other.statusCode, 201, 'another address still signs up');
});

t.test('email requests: a mail flood at one inbox is stopped, with the same answer otherwise', async (t) => {
  const { perAccount } = authLimits['/v1/projects/:project/auth/password-reset/request'];
  const send = (ip: string) =>
    api.app.inject({ method: 'POST', url: api.p('/auth/password-reset/request'), remoteAddress: ip, payload: { email: 'victim@example.com' } });
  for (let i = 0; i < perAccount!; i++) t.equal((await send(`10.1.0.${i + 1}`)).statusCode, 202);
  t.equal((await send('10.1.1.1')).statusCode, 429);
});

t.test('record routes are not limited', async (t) => {
  await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'notes', fields: [{ name: 'text', type: 'text' }], rules: { list: '', view: '', create: '', update: null, delete: null } } });
  for (let i = 0; i < 40; i++) {
    const res = await api.app.inject({ method: 'GET', url: api.p('/collections/notes/records'), remoteAddress: '192.0.2.7' });
    if (res.statusCode !== 200) return t.fail(`request ${i}: ${res.statusCode}`);
  }
  t.pass('40 list requests from the limited address all answered 200');
});
