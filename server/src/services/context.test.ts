/** Covers services/context.ts and the project scope's hook (http/routes/projects/index.ts): the context of a request. */
import t from 'tap';
import { forEachEngine, startInstance } from '../../test/harness.ts';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../http/plugins/actor.ts';
import { serviceContextOf } from './context.ts';

t.test("a context's public URL follows the config: formatted once, never stale", async (t) => {
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  const services = api.app.baas;
  const project = (await services.registry.get('app'))!;
  const at = () => serviceContextOf(services, project, { kind: 'guest' }, api.app.log).publicUrl;
  const config = services.config;
  const first = at();
  t.equal(first, `http://${config.host}:${config.port}`);
  t.equal(at(), first, 'the same value again');
  // A test that listens on port 0 sets the port it got; the next context has it.
  config.port = 45678;
  t.equal(at(), `http://${config.host}:45678`);
  config.publicUrl = 'https://baas.example.com//';
  t.equal(at(), 'https://baas.example.com', 'publicUrl wins, trailing slashes trimmed');
  config.publicUrl = undefined;
  t.equal(at(), `http://${config.host}:45678`);
});

forEachEngine(t, 'the project scope resolves the project and the actor before any handler', async (t, api) => {
  const sk = api.secret;
  t.equal((await api.request('POST', api.p('/collections'), { token: sk, body: { name: 'notes', fields: [{ name: 'title', type: 'text' }], rules: { list: '', view: '', create: '', update: null, delete: null } } })).status, 201);
  const created = await api.request('POST', api.p('/collections/notes/records'), { body: { title: 'hi' } });
  t.equal(created.status, 201, 'a guest (no Authorization header) passes the scope');
  const one = api.p(`/collections/notes/records/${created.body.id}`);
  t.equal((await api.request('GET', one)).body.title, 'hi');
  t.equal((await api.request('GET', one, { token: sk })).body.title, 'hi', 'the service role');

  for (const project of ['nope', 'Not-An-Id!', 'x'.repeat(41)]) {
    const res = await api.request('GET', `/v1/projects/${project}/collections/notes/records`);
    t.equal(res.status, 404, project);
    t.equal(res.body.error.code, 'project_not_found');
  }
  let res = await api.request('GET', one, { headers: { authorization: 'Basic abc' } });
  t.equal(res.status, 401, 'a malformed header is no guest');
  t.equal(res.body.error.code, 'invalid_token');
  res = await api.request('GET', one, { token: 'not-a-token' });
  t.equal(res.status, 401);
  t.equal((await api.request('GET', api.p('/collections'), { token: 'sk_wrong' })).status, 401, 'a wrong secret key');
  t.equal((await api.request('GET', api.p('/collections'))).status, 401, 'a guest on a service-role route');

  // A guest is known without a promise, and all guests share one actor: frozen, so no
  // request can change what the next one gets.
  const request = () => ({ headers: {} }) as unknown as FastifyRequest;
  const first = actorOf(request(), api.app.baas);
  t.notOk(first instanceof Promise, 'synchronous');
  t.same(first, { kind: 'guest' });
  t.equal(actorOf(request(), api.app.baas), first, 'one object');
  t.ok(Object.isFrozen(first), 'frozen');
  const project = (await api.app.baas.registry.get('app'))!;
  const as = (token: string) => actorOf({ headers: { authorization: `Bearer ${token}` }, routeOptions: {} } as unknown as FastifyRequest, api.app.baas, project);
  t.ok(as(sk) instanceof Promise, 'a secret key is resolved asynchronously');

  // A user's token: checked against its session once (a promise), then from the session cache
  // synchronously, until the session is revoked: then it is checked again, and refused.
  const signup = await api.request('POST', api.p('/auth/signup'), { body: { email: 'ctx@example.com', password: 'correct horse battery' } });
  t.equal(signup.status, 201);
  const accessToken: string = signup.body.session.accessToken;
  const checked = as(accessToken);
  t.ok(checked instanceof Promise, 'the first request reads the session');
  t.match(await checked, { kind: 'user', user: { email: 'ctx@example.com' } });
  const again = as(accessToken);
  t.notOk(again instanceof Promise, 'then the session cache answers, synchronously');
  t.match(again, { kind: 'user', user: { email: 'ctx@example.com' } });
  t.equal((await api.request('GET', one, { token: accessToken })).status, 200);
  t.equal((await api.request('POST', api.p('/auth/logout'), { token: accessToken })).status, 204);
  const revoked = await api.request('GET', one, { token: accessToken });
  t.equal(revoked.status, 401, 'revocation is immediate');
  const after = as(accessToken);
  t.ok(after instanceof Promise, 'a revoked session is not answered from the cache');
  await t.rejects(after as Promise<unknown>, { code: 'invalid_token' });
});
