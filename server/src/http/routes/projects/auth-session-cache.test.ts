/**
 * Covers services/auth/session-cache.ts end to end: signed-in requests are
 * served from the cache, and revocation stays immediate — on the process that
 * commits it before its reply (the stores' commit feed), on other processes
 * as soon as the bus delivers (PostgreSQL), and after a bus reconnect.
 */
import t from 'tap';
import { createTempDatabase, postgresUrl, queryDatabase, tempDir } from '@baas/testkit';
import { buildApp } from '../../../app.ts';
import { loadConfig } from '../../../config.ts';
import { actorOfToken } from '../../../services/actors.ts';
import { revokeSession } from '../../../services/auth/sessions.ts';
import type { PostgresBus } from '../../../db/postgres-bus.ts';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf, logIn, PASSWORD, signUp } from '../../../../test/auth.ts';

/** Whether the instance's session cache holds `token` now (no await: what the next request would find). */
async function handleOf(api: TestInstance) {
  return (await api.app.baas.registry.get(api.project))!;
}

/** A signed-in request that must succeed, and leaves the token cached. */
async function warm(t: any, api: TestInstance, token: string) {
  const res = await api.request('GET', api.p('/auth/user'), { token });
  t.equal(res.status, 200, 'the token works');
  t.ok(api.app.baas.sessions.get(await handleOf(api), token), 'and is cached');
}

forEachEngine(t, 'session cache: each revocation committed here refuses the very next request', async (t, api) => {
  const project = await handleOf(api);
  const cases: Array<[string, (s: any) => Promise<unknown>]> = [
    ['logout', (s) => api.request('POST', api.p('/auth/logout'), { token: s.session.accessToken })],
    ['own session deleted', async (s) => {
      const mine = (await api.request('GET', api.p('/auth/sessions'), { token: s.session.accessToken })).body.items[0];
      return api.request('DELETE', api.p(`/auth/sessions/${mine.id}`), { token: s.session.accessToken });
    }],
    ['session revoked by the service role', async (s) => {
      const [session] = (await api.request('GET', api.p(`/users/${s.user.id}/sessions`), { token: api.secret })).body.items;
      return api.request('DELETE', api.p(`/users/${s.user.id}/sessions/${session.id}`), { token: api.secret });
    }],
    ['all sessions revoked', (s) => api.request('DELETE', api.p(`/users/${s.user.id}/sessions`), { token: api.adminToken })],
    ['user disabled', (s) => api.request('PATCH', api.p(`/users/${s.user.id}`), { token: api.secret, body: { disabled: true } })],
    ['user deleted', (s) => api.request('DELETE', api.p(`/users/${s.user.id}`), { token: api.secret })],
    ['refresh token reused', async (s) => {
      await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: s.session.refreshToken } });
      return api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: s.session.refreshToken } });
    }],
  ];
  for (const [name, revoke] of cases) {
    const s = await signUp(api, `${name.replace(/\W/g, '-')}@example.com`);
    const token = s.session.accessToken;
    await warm(t, api, token);
    await revoke(s);
    t.equal(api.app.baas.sessions.get(project, token), undefined, `${name}: dropped before the reply was read`);
    const res = await api.request('GET', api.p('/auth/user'), { token });
    t.equal(res.status, 401, `${name}: the next request is refused`);
    t.equal(codeOf(res), 'invalid_token');
  }

  // A password change ends the user's other sessions.
  const s = await signUp(api, 'changer@example.com');
  const other = await logIn(api, 'changer@example.com');
  await warm(t, api, other.session.accessToken);
  const changed = await api.request('PATCH', api.p('/auth/user'), { token: s.session.accessToken, body: { password: 'another good password', currentPassword: PASSWORD } });
  t.equal(changed.status, 200, JSON.stringify(changed.body));
  t.equal((await api.request('GET', api.p('/auth/user'), { token: other.session.accessToken })).status, 401, 'password changed: the other session is refused next');
});

forEachEngine(t, 'session cache: a role change is judged by the next request', async (t, api) => {
  const res = await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: { name: 'memos', fields: [{ name: 'title', type: 'text' }], rules: { list: null, view: "auth.role = 'editor'", create: null, update: null, delete: null } },
  });
  t.equal(res.status, 201, JSON.stringify(res.body));
  const memo = (await api.request('POST', api.p('/collections/memos/records'), { token: api.secret, body: { title: 'm' } })).body;
  const s = await signUp(api, 'ed@example.com');
  const get = () => api.request('GET', api.p(`/collections/memos/records/${memo.id}`), { token: s.session.accessToken });
  t.equal((await get()).status, 404, 'no role: hidden');
  await api.request('PATCH', api.p(`/users/${s.user.id}`), { token: api.secret, body: { role: 'editor' } });
  t.equal((await get()).status, 200, 'editor: seen at once');
  t.equal((await get()).status, 200, 'and from the cache');
  await api.request('PATCH', api.p(`/users/${s.user.id}`), { token: api.secret, body: { role: null } });
  t.equal((await get()).status, 404, 'the role removed: hidden at once');
});

forEachEngine(t, 'session cache: a service call that revokes has dropped the entry when it resolves (no turn of the event loop for the bus)', async (t, api) => {
  const project = await handleOf(api);
  const s = await signUp(api, 'direct@example.com');
  const token = s.session.accessToken;
  const actor = await actorOfToken(api.app.baas, token, project);
  t.match(actor, { kind: 'user', user: { id: s.user.id } });
  t.ok(api.app.baas.sessions.get(project, token), 'cached');
  const sessionId = actor.kind === 'user' ? actor.sessionId : '';
  t.ok(await revokeSession(project.db, s.user.id, sessionId));
  // No await between the revocation and this line: the bus (setImmediate on SQLite, a NOTIFY
  // round trip on PostgreSQL) has not delivered yet; only the commit feed can have dropped it.
  t.equal(api.app.baas.sessions.get(project, token), undefined, 'dropped inside the commit');
  await t.rejects(actorOfToken(api.app.baas, token, project), { code: 'invalid_token' });
});

// Two instances on one PostgreSQL database: two processes, as docs/deployment.md runs them.
// stateCheckMs (the cache's safety TTL) is a minute, so only the bus can make b refuse in time.
const pg = postgresUrl();
const BOUND_MS = 3000;
t.test('session cache across processes: the bus drops the entry on the other process, and a reconnect drops everything', { skip: pg ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTempDatabase(pg!);
  const dirs = [tempDir(), tempDir()];
  const open = (i: number) =>
    buildApp(loadConfig({ env: {}, overrides: { dataDir: dirs[i].path, databaseUrl: database.url, logLevel: 'silent', rateLimits: false, stateCheckMs: 60_000 } }));
  const a = await open(0);
  t.teardown(async () => {
    await a.close();
    await b?.close();
    await database.drop();
    for (const dir of dirs) dir.remove();
  });
  const { keys } = await a.baas.projects.create('app', 'Test app');
  const b = await open(1);
  await (b.baas.stores.bus as PostgresBus).ready;
  const call = async (app: typeof a, method: 'GET' | 'POST', path: string, token?: string, body?: unknown) => {
    const res = await app.inject({ method, url: `/v1/projects/app${path}`, headers: token ? { authorization: `Bearer ${token}` } : {}, payload: body as object | undefined });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  const signup = async (email: string) => (await call(a, 'POST', '/auth/signup', undefined, { email, password: PASSWORD })).body;
  const refusedOnB = async (token: string, what: string) => {
    const started = Date.now();
    while ((await call(b, 'GET', '/auth/user', token)).status !== 401) {
      if (Date.now() - started > BOUND_MS) return t.fail(`${what}: b still accepts the token after ${BOUND_MS} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    t.pass(`${what}: b refuses it`);
    t.comment(`${what}: refused on b after ${Date.now() - started} ms`);
  };
  const bProject = (await b.baas.registry.get('app'))!;

  const ann = await signup('ann@example.com');
  const token = ann.session.accessToken;
  t.equal((await call(b, 'GET', '/auth/user', token)).status, 200, 'b accepts the token');
  t.ok(b.baas.sessions.get(bProject, token), 'and caches it');
  t.equal((await call(a, 'GET', '/auth/user', token)).status, 200, 'a too');
  t.equal((await call(a, 'POST', '/auth/logout', token)).status, 204, 'logout on a');
  t.equal((await call(a, 'GET', '/auth/user', token)).status, 401, 'a refuses the next request at once');
  await refusedOnB(token, 'logout on a');

  // A role change on a is judged on b through the bus.
  const ed = await signup('ed@example.com');
  t.equal((await call(b, 'GET', '/auth/user', ed.session.accessToken)).status, 200);
  await a.inject({ method: 'PATCH', url: `/v1/projects/app/users/${ed.user.id}`, headers: { authorization: `Bearer ${keys[0].secret}` }, payload: { role: 'editor' } });
  const started = Date.now();
  while (b.baas.sessions.get(bProject, ed.session.accessToken) && Date.now() - started < BOUND_MS) await new Promise((r) => setTimeout(r, 10));
  t.equal(b.baas.sessions.get(bProject, ed.session.accessToken), undefined, 'the role change dropped the entry on b');
  const actor = await actorOfToken(b.baas, ed.session.accessToken, bProject);
  t.match(actor, { kind: 'user', user: { role: 'editor' } }, 'b reads the new role');

  // b's LISTEN connection dies; a logout on a meanwhile never reaches b as a message, but
  // the reconnect (1 s later) tells b that messages may have been lost: it drops everything.
  const bob = await signup('bob@example.com');
  t.equal((await call(b, 'GET', '/auth/user', bob.session.accessToken)).status, 200);
  const pid = (b.baas.stores.bus as unknown as { client: { processID: number } }).client.processID;
  await queryDatabase(database.url, 'SELECT pg_terminate_backend($1)', [pid]);
  t.equal((await call(a, 'POST', '/auth/logout', bob.session.accessToken)).status, 204, 'logout on a while b does not listen');
  await refusedOnB(bob.session.accessToken, 'logout during a bus outage');
});
