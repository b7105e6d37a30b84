import t from 'tap';
import { spawn } from 'node:child_process';
import { failure } from '../../test/server.ts';
import { memoryStore } from './stores.ts';
import { expiry, next, PASSWORD, recorder, setup, sleep, traffic } from '../../test/auth.ts';

// Access tokens live 2 s: the default margin (60 s) is cut to half of that.
const { instance, url, client } = await setup((fn) => t.teardown(fn), 2);

/** Whether the server still accepts the session of this access token. */
async function alive(accessToken: string): Promise<boolean> {
  return (await instance.request('GET', instance.p('/auth/user'), { token: accessToken })).status === 200;
}

t.test('autoRefresh: a timer refreshes ahead of expiry; stop() ends it', async (t) => {
  const net = traffic();
  const c = client({ fetch: net.fetch });
  const first = await c.auth.signUp({ email: 'tim@example.com', password: PASSWORD });
  const refreshed = await next(c, 'token_refreshed', 3000);
  t.ok(Date.now() < Date.parse(first.session.expiresAt), 'before the old token expired');
  t.not(refreshed!.session.accessToken, first.session.accessToken);
  t.equal((await c.auth.getUser()).id, first.user.id, 'requests work with the new token');
  t.same(net.calls, ['POST /auth/signup', 'POST /auth/refresh', 'GET /auth/user'], 'no 401 on the way');

  c.auth.stop();
  await expiry(c);
  t.equal(net.count('/auth/refresh'), 1, 'no timer after stop()');
  t.equal((await c.auth.getUser()).id, first.user.id, 'a request still refreshes on demand');
  t.equal(net.count('/auth/refresh'), 2);
});

t.test('autoRefresh off: the request refreshes when the token is due', async (t) => {
  const net = traffic();
  const c = client({ fetch: net.fetch, auth: { autoRefresh: false } });
  const first = await c.auth.signUp({ email: 'otto@example.com', password: PASSWORD });
  await expiry(c);
  t.equal(net.count('/auth/refresh'), 0, 'no timer');
  t.equal((await c.auth.getUser()).id, first.user.id);
  t.not(c.auth.session!.session.accessToken, first.session.accessToken, 'the token changed');
  t.same(net.calls, ['POST /auth/signup', 'POST /auth/refresh', 'GET /auth/user']);
});

t.test('a 401 token_expired (the client thought the token valid): recover refreshes once and the request is retried', async (t) => {
  // A client whose clock runs behind the server's: simulated by a stored session that claims a later expiry.
  const store = memoryStore();
  const net = traffic();
  const signer = client({ auth: { store, autoRefresh: false } });
  await signer.auth.signUp({ email: 'rex@example.com', password: PASSWORD });
  const key = `baas.session:${url}:app`;
  const stored = JSON.parse(store.get(key) as string);
  stored.session.expiresAt = new Date(Date.now() + 3600_000).toISOString();
  store.set(key, JSON.stringify(stored));
  signer.close();
  await sleep(Date.parse(signer.auth.session!.session.expiresAt) - Date.now() + 50);

  const c = client({ fetch: net.fetch, auth: { store, autoRefresh: false } });
  const users = await Promise.all(Array.from({ length: 5 }, () => c.auth.getUser()));
  t.ok(users.every((u) => u.email === 'rex@example.com'));
  t.equal(net.count('/auth/refresh'), 1, 'five 401s, one refresh');
  t.equal(net.count('/auth/user'), 10, 'each request retried once');
  t.ok(await alive(c.auth.session!.session.accessToken));
});

t.test('no refresh stampede: 20 concurrent requests with an expired token share one refresh', async (t) => {
  const net = traffic();
  const c = client({ fetch: net.fetch, auth: { autoRefresh: false } });
  const first = await c.auth.signUp({ email: 'stam@example.com', password: PASSWORD });
  const shared = c.auth.refresh();
  t.equal(c.auth.refresh(), shared, 'concurrent callers share one exchange');
  await shared;
  await expiry(c);
  net.calls.length = 0;
  const users = await Promise.all(Array.from({ length: 20 }, () => c.auth.getUser()));
  t.equal(users.length, 20);
  t.equal(net.count('/auth/refresh'), 1, 'one refresh');
  t.equal(net.count('/auth/user'), 20, 'no request failed and was retried');
  // a second spend of the old refresh token would have made the server end the session
  const token = c.auth.session!.session.accessToken;
  t.ok(await alive(token), 'the session survives');
  t.notOk(await alive(first.session.accessToken), 'the old token is expired');
  t.ok(await c.auth.refresh(), 'and refreshes again');
  t.equal((await c.auth.sessions()).length, 1);
});

t.test('two clients sharing one store (tabs) refresh at once without ending the session', async (t) => {
  const store = memoryStore();
  const net = traffic();
  const tab = () => client({ fetch: net.fetch, auth: { store, autoRefresh: false } });
  const a = tab();
  await a.auth.signUp({ email: 'tab@example.com', password: PASSWORD });
  const [b, c] = [tab(), tab()];
  await b.auth.ready;
  t.equal(b.auth.user?.email, 'tab@example.com', 'a new tab starts with the stored session');
  const bEvents = recorder(b);

  await expiry(a);
  const users = await Promise.all([a, b, c].map((x) => x.auth.getUser()));
  t.ok(users.every((u) => u.id === users[0].id));
  t.equal(net.count('/auth/refresh'), 1, 'one refresh; the others took its pair from the store');
  const pair = a.auth.session!.session;
  t.equal(b.auth.session!.session.refreshToken, pair.refreshToken);
  t.equal(c.auth.session!.session.refreshToken, pair.refreshToken);
  t.ok(await alive(pair.accessToken), 'the session survives');
  t.same(bEvents, ['initial_session:tab@example.com', 'token_refreshed:tab@example.com']);

  // b refreshes alone; a's later refresh takes b's pair instead of spending the old token
  await b.auth.refresh();
  await a.auth.refresh();
  t.equal(net.count('/auth/refresh'), 2);
  t.equal(a.auth.session!.session.accessToken, b.auth.session!.session.accessToken);
  t.ok(await alive(a.auth.session!.session.accessToken), 'still alive');
});

t.test('a refresh the server refuses (the session was revoked) signs out', async (t) => {
  const store = memoryStore();
  const c = client({ auth: { store, autoRefresh: false } });
  await c.auth.signUp({ email: 'rev@example.com', password: PASSWORD });
  const seen = recorder(c);
  const other = client();
  await other.auth.signIn({ email: 'rev@example.com', password: PASSWORD });
  await other.auth.revokeSession((await c.auth.sessions()).find((s) => s.current)!.id);

  t.match(await failure(() => c.auth.refresh()), { status: 401, code: 'invalid_token' });
  t.equal(c.auth.user, null);
  t.same(seen, ['initial_session:rev@example.com', 'signed_out:-']);
  t.equal(store.get(`baas.session:${url}:app`), null, 'the stored session is gone');
  t.equal(await c.auth.refresh(), null, 'nothing to refresh');
  t.ok(await other.auth.getUser(), 'the other session is untouched');
});

t.test('a refresh without network keeps the session for a later try', async (t) => {
  const net = traffic();
  const c = client({ fetch: net.fetch, auth: { autoRefresh: false } });
  const first = await c.auth.signUp({ email: 'net@example.com', password: PASSWORD });
  const seen = recorder(c);
  net.offline = true;
  t.match(await failure(() => c.auth.refresh()), { status: 0, code: 'network_error' });
  await expiry(c);
  t.match(await failure(() => c.auth.getUser()), { code: 'network_error' }, 'a due token offline: the request fails, not the session');
  t.equal(c.auth.session!.session.refreshToken, first.session.refreshToken, 'still signed in, same tokens');
  net.offline = false;
  t.equal((await c.auth.getUser()).id, first.user.id, 'back online, the same refresh token works');
  t.same(seen, ['initial_session:net@example.com', 'token_refreshed:net@example.com']);
});

t.test('the refresh timer never keeps a Node process alive', async (t) => {
  // A child signs in (a refresh is scheduled ~1 s later) and has nothing else to do: it must exit at once.
  const script = `
    import { createClient } from ${JSON.stringify(new URL('../index.ts', import.meta.url).href)};
    const c = createClient({ url: ${JSON.stringify(url)}, project: 'app', auth: { refreshMargin: 1 } });
    await c.auth.signUp({ email: 'child@example.com', password: ${JSON.stringify(PASSWORD)} });
    console.log('signed in');`;
  await instance.request('PATCH', instance.p('/auth/settings'), { token: instance.secret, body: { accessTokenTtl: 60 } });
  t.teardown(() => instance.request('PATCH', instance.p('/auth/settings'), { token: instance.secret, body: { accessTokenTtl: 2 } }));
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const kill = setTimeout(() => child.kill(), 10_000);
  t.teardown(() => clearTimeout(kill));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  t.equal(out.trim(), 'signed in');
  t.equal(code, 0);
  t.ok(Date.now() - started < 10_000, 'it exited without waiting ~59 s for the timer');
});
