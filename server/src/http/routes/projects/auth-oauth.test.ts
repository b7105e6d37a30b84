/** Covers http/routes/projects/auth-oauth.ts, auth-providers.ts and services/auth/oauth/ (flow, client, providers). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { CookieJar, startOpenIdProvider, type TestOpenIdProvider } from '../../../../test/openid-provider.ts';
import { stateCookieName } from '../../../services/auth/oauth/flow.ts';
import { updateAuthSettings } from '../../../services/auth/settings.ts';
import { createUser, findUserByEmail } from '../../../services/auth/users.ts';

// The callback URL's origin (the test instance has no publicUrl: http://host:port); requests to it go to app.inject.
const PUBLIC_URL = 'http://127.0.0.1:8787';
const APP = 'http://app.example.com';
const CALLBACK = `${PUBLIC_URL}/v1/projects/app/auth/oauth/op/callback`;

/** An instance with the test provider configured as `op` and the app's URL allowed. */
async function setup(t: any, api: TestInstance): Promise<TestOpenIdProvider> {
  const op = await startOpenIdProvider(CALLBACK);
  t.teardown(() => op.close());
  op.accounts.set('alice', { sub: 'alice', email: 'Alice@Example.com', email_verified: true, name: 'Alice' });
  op.accounts.set('mallory', { sub: 'mallory', email: 'bob@example.com', email_verified: false });
  op.accounts.set('bob', { sub: 'bob', email: 'bob@example.com', email_verified: true });
  op.accounts.set('nomail', { sub: 'nomail' });
  await updateAuthSettings(await api.serviceContext(), { siteUrl: APP });
  const res = await api.request('PUT', api.p('/auth/providers/op'), {
    token: api.secret,
    body: { kind: 'oidc', clientId: op.clientId, clientSecret: op.clientSecret, issuer: op.issuer },
  });
  t.equal(res.status, 201, 'provider configured');
  return op;
}

/** One browser: baas's state cookies and the provider's session cookies. */
interface Browser {
  baas: CookieJar;
  provider: CookieJar;
}

const newBrowser = (): Browser => ({ baas: new CookieJar(), provider: new CookieJar() });

/** GET on baas through inject, as the browser (its baas cookies). */
async function baasGet(api: TestInstance, url: string, browser: Browser) {
  const u = new URL(url, PUBLIC_URL);
  const res = await api.app.inject({ method: 'GET', url: u.pathname + u.search, headers: { cookie: browser.baas.header() } });
  const setCookie = res.headers['set-cookie'];
  browser.baas.store(setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [String(setCookie)]);
  return { status: res.statusCode, location: res.headers.location as string | undefined, body: res.body ? safeJson(res.body) : undefined };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** baas authorize: answers the provider URL to go to. */
async function authorize(t: any, api: TestInstance, browser: Browser, redirectTo = `${APP}/done`): Promise<string> {
  const res = await baasGet(api, api.p(`/auth/oauth/op/authorize?redirectTo=${encodeURIComponent(redirectTo)}`), browser);
  t.equal(res.status, 302, 'authorize redirects to the provider');
  return res.location!;
}

/** Follows the provider's redirects (login and consent included) until it sends the browser back to baas. */
async function atProvider(browser: Browser, url: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: browser.provider.header() } });
    browser.provider.store(res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (!location) throw new Error(`the provider answered ${res.status} without a redirect: ${await res.text()}`);
    const next = new URL(location, url).href;
    if (next.startsWith(PUBLIC_URL)) return next;
    url = next;
  }
  throw new Error('too many redirects at the provider');
}

/** The whole browser part: authorize, provider, callback; answers the URL the app is sent to. */
async function signIn(t: any, api: TestInstance, op: TestOpenIdProvider, account: string, browser = newBrowser()): Promise<URL> {
  op.nextLogin = account;
  const callback = await atProvider(browser, await authorize(t, api, browser));
  const res = await baasGet(api, callback, browser);
  t.equal(res.status, 302, 'the callback redirects to the app');
  return new URL(res.location!);
}

async function exchange(api: TestInstance, code: string | null) {
  return api.request('POST', api.p('/auth/oauth/exchange'), { body: { code } });
}

forEachEngine(t, 'oauth providers: configure, list without secrets, presets, validation, who may', async (t, api) => {
  const put = (name: string, body: unknown, token: string | undefined = api.secret) => api.request('PUT', api.p(`/auth/providers/${name}`), { token, body });
  let res = await put('google', { kind: 'google', clientId: 'gid', clientSecret: 'google-secret-value-1234' });
  t.equal(res.status, 201);
  t.match(res.body, {
    name: 'google', kind: 'google', clientId: 'gid', issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'],
    enabled: true, clientSecretHint: '…1234', callbackUrl: 'http://127.0.0.1:8787/v1/projects/app/auth/oauth/google/callback',
  });
  t.notOk('clientSecret' in res.body);
  res = await put('gh', { kind: 'github', clientId: 'ghid', clientSecret: 'github-secret-value-abcd', enabled: false });
  t.match(res.body, { kind: 'github', issuer: null, scopes: ['read:user', 'user:email'], enabled: false });
  // a replace without the secret keeps the stored one
  res = await put('gh', { kind: 'github', clientId: 'ghid2' });
  t.equal(res.status, 200);
  t.match(res.body, { clientId: 'ghid2', clientSecretHint: '…abcd', enabled: true });
  res = await put('corp', { kind: 'oidc', clientId: 'c', clientSecret: 's', issuer: 'https://id.example.com/', scopes: ['email'] });
  t.match(res.body, { issuer: 'https://id.example.com', scopes: ['openid', 'email'], clientSecretHint: '…' }, 'openid is always asked of an OpenID provider');

  res = await api.request('GET', api.p('/auth/providers'), { token: api.secret });
  t.equal(res.status, 200);
  t.same(res.body.items.map((p: any) => p.name), ['corp', 'gh', 'google']);
  t.notOk(JSON.stringify(res.body).includes('secret-value'), 'no secret is ever listed');
  res = await api.request('GET', api.p('/auth/providers'));
  t.same(res.body.items, [{ name: 'corp', kind: 'oidc' }, { name: 'gh', kind: 'github' }, { name: 'google', kind: 'google' }], 'guests see names and kinds');

  const bad: Array<[string, unknown, string]> = [
    ['x', { kind: 'oidc', clientId: 'c', clientSecret: 's' }, 'issuer'],
    ['x', { kind: 'oidc', clientId: 'c', clientSecret: 's', issuer: 'http://id.example.com' }, 'issuer'],
    ['x', { kind: 'oidc', clientId: 'c', clientSecret: 's', issuer: 'not a url' }, 'issuer'],
    ['x', { kind: 'google', clientId: 'c', clientSecret: 's', issuer: 'https://evil.example.com' }, 'issuer'],
    ['x', { kind: 'github', clientId: 'c' }, 'clientSecret'],
    ['x', { kind: 'oidc', clientId: 'c', clientSecret: 's', issuer: 'https://a.b', scopes: ['a b'] }, 'scopes'],
    ['x', { kind: 'saml', clientId: 'c', clientSecret: 's' }, 'kind'],
    ['x', { kind: 'github', clientId: 'c', clientSecret: 's', extra: 1 }, 'extra'],
    ['Bad!', { kind: 'github', clientId: 'c', clientSecret: 's' }, 'name'],
  ];
  for (const [name, body, field] of bad) {
    res = await put(name, body);
    t.equal(res.status, 400, `PUT ${name} ${JSON.stringify(body)}`);
    t.equal(res.body.error.code, 'validation_failed');
    if (name !== 'Bad!') t.ok(res.body.error.details.fields[field], `names ${field}`);
  }

  res = await api.request('PUT', api.p('/auth/providers/gh'), { body: { kind: 'github', clientId: 'c', clientSecret: 's' } });
  t.equal(res.status, 401, 'guests may not configure');
  res = await api.request('DELETE', api.p('/auth/providers/gh'));
  t.equal(res.status, 401);
  res = await api.request('DELETE', api.p('/auth/providers/gh'), { token: api.secret });
  t.equal(res.status, 204);
  res = await api.request('DELETE', api.p('/auth/providers/gh'), { token: api.secret });
  t.equal(res.status, 404);
  res = await api.request('GET', api.p(`/auth/oauth/gh/authorize?redirectTo=${encodeURIComponent(APP)}`));
  t.equal(res.status, 404, 'a removed provider cannot be used');
});

forEachEngine(t, 'oauth: sign in through a real OpenID provider, exchange the one-time code, use the session', async (t, api) => {
  const op = await setup(t, api);
  const back = await signIn(t, api, op, 'alice');
  t.equal(back.origin + back.pathname, `${APP}/done`, 'back at redirectTo');
  t.same([...back.searchParams.keys()], ['code'], 'only a one-time code travels in the URL, no token');
  const code = back.searchParams.get('code')!;

  let res = await exchange(api, code);
  t.equal(res.status, 200);
  t.match(res.body, { user: { id: String, email: 'alice@example.com', verified: true, data: { name: 'Alice' } }, session: { accessToken: String, refreshToken: String } });
  const { user, session } = res.body;
  res = await api.request('GET', api.p('/auth/user'), { token: session.accessToken });
  t.equal(res.status, 200, 'the access token works');
  t.equal(res.body.id ?? res.body.user?.id, user.id);
  res = await api.request('GET', api.p('/auth/sessions'), { token: session.accessToken });
  t.equal(res.status, 200);
  t.equal(res.body.items[0].method, 'oauth:op', 'the session remembers how it began');

  res = await exchange(api, code);
  t.equal(res.status, 400, 'the exchange code is single-use');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'invalid_code' } });

  // signing in again (new browser) finds the identity: the same user
  const again = await signIn(t, api, op, 'alice');
  res = await exchange(api, again.searchParams.get('code'));
  t.equal(res.body.user.id, user.id, 'the identity maps to the same user');

  // the exchange code expires after 60 s
  const late = await signIn(t, api, op, 'alice');
  const project = (await api.app.baas.registry.get('app'))!;
  await project.db.run(sql`UPDATE ${project.db.table('_auth_tokens')} SET expires_at = ${new Date(Date.now() - 1000).toISOString()} WHERE kind = 'oauth:op'`);
  res = await exchange(api, late.searchParams.get('code'));
  t.equal(res.status, 400, 'an expired exchange code fails');
  res = await exchange(api, 'made-up');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'invalid_code' } });

  // a provider without an email: a user without one
  const noMail = await signIn(t, api, op, 'nomail');
  res = await exchange(api, noMail.searchParams.get('code'));
  t.match(res.body.user, { email: null, verified: false });
});

forEachEngine(t, 'oauth linking: a verified email links to the existing user; an unverified one never does', async (t, api) => {
  const op = await setup(t, api);
  const project = (await api.app.baas.registry.get('app'))!;
  const bob = await createUser(project.db, { email: 'bob@example.com', password: 'bobs password 1', verified: true });

  // mallory's provider claims bob's address without verifying it: a new user, without that email
  let back = await signIn(t, api, op, 'mallory');
  let res = await exchange(api, back.searchParams.get('code'));
  t.equal(res.status, 200);
  t.not(res.body.user.id, bob.id, 'an unverified email does not link to the existing account');
  t.equal(res.body.user.email, null, 'nor is it attached to the new user');

  // bob's provider verified the address: he signs in as the same user as his password account
  back = await signIn(t, api, op, 'bob');
  res = await exchange(api, back.searchParams.get('code'));
  t.equal(res.body.user.id, bob.id, 'linked by verified email: the same user id');
  res = await api.request('POST', api.p('/auth/login'), { body: { email: 'bob@example.com', password: 'bobs password 1' } });
  t.equal(res.status, 200, 'a verified account keeps its password');

  // a pre-registered, never verified account: linking takes it over for the verified owner and drops the stranger's password
  await createUser(project.db, { email: 'alice@example.com', password: 'set by a stranger', verified: false });
  const stranger = await api.request('POST', api.p('/auth/login'), { body: { email: 'alice@example.com', password: 'set by a stranger' } });
  t.equal(stranger.status, 200, 'the stranger had a session');
  back = await signIn(t, api, op, 'alice');
  res = await exchange(api, back.searchParams.get('code'));
  const alice = await findUserByEmail(project.db, 'alice@example.com');
  t.equal(res.body.user.id, alice!.id);
  t.equal(res.body.user.verified, true);
  res = await api.request('POST', api.p('/auth/login'), { body: { email: 'alice@example.com', password: 'set by a stranger' } });
  t.equal(res.status, 401, "the stranger's password no longer works");
  res = await api.request('GET', api.p('/auth/user'), { token: stranger.body.session.accessToken });
  t.equal(res.status, 401, "the stranger's session ended");
});

forEachEngine(t, 'oauth attacks: state, verifier, code reuse, browser binding, redirect allowlist, provider errors', async (t, api) => {
  const op = await setup(t, api);
  op.nextLogin = 'alice';
  const project = (await api.app.baas.registry.get('app'))!;
  const states = project.db.table('_oauth_states');
  const expectNoCode = (t: any, res: { status: number; location?: string }, error: string) => {
    t.equal(res.status, 302);
    const url = new URL(res.location!);
    t.equal(url.searchParams.get('error'), error);
    t.equal(url.searchParams.get('code'), null, 'no session code');
  };

  // redirectTo outside the allowlist
  for (const target of ['https://evil.example.com/', 'http://app.example.com.evil.com/', 'javascript:alert(1)', 'http://evil.com\\@app.example.com']) {
    const res = await api.request('GET', api.p(`/auth/oauth/op/authorize?redirectTo=${encodeURIComponent(target)}`));
    t.equal(res.status, 400, `redirectTo ${target} is refused`);
    t.match(res.body.error, { code: 'validation_failed', details: { fields: { redirectTo: { code: 'not_allowed' } } } });
  }
  let res0 = await api.request('GET', api.p('/auth/oauth/op/authorize'));
  t.equal(res0.status, 400, 'redirectTo is required');
  res0 = await api.request('GET', api.p(`/auth/oauth/nope/authorize?redirectTo=${encodeURIComponent(APP)}`));
  t.equal(res0.status, 404, 'an unknown provider');

  // the authorize redirect carries state, PKCE S256 and a nonce
  let browser = newBrowser();
  const providerUrl = new URL(await authorize(t, api, browser));
  t.equal(providerUrl.origin, op.issuer);
  t.match(Object.fromEntries(providerUrl.searchParams), { state: String, code_challenge: String, code_challenge_method: 'S256', nonce: String, redirect_uri: CALLBACK, scope: 'openid email profile' });
  const stored = await project.db.get<{ state_hash: string }>(sql`SELECT state_hash FROM ${states}`);
  t.not(stored!.state_hash, providerUrl.searchParams.get('state'), 'the state is stored hashed');

  // replay: the same callback twice
  const callback = await atProvider(browser, providerUrl.href);
  let res = await baasGet(api, callback, browser);
  t.equal(res.status, 302);
  t.ok(new URL(res.location!).searchParams.get('code'));
  // the callback cleared the state cookie; put it back, so only the store can refuse the replay
  browser.baas.store([`${cookieOf(callback)}=1`]);
  res = await baasGet(api, callback, browser);
  t.equal(res.status, 400, 'a replayed state fails');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'invalid_state' } });

  // a wrong state (bound to the browser, so only the store can refuse it)
  browser = newBrowser();
  const wrong = new URL(await atProvider(browser, await authorize(t, api, browser)));
  wrong.searchParams.set('state', 'not-the-state');
  browser.baas.store([`${cookieOf(wrong.href)}=1`]);
  res = await baasGet(api, wrong.href, browser);
  t.equal(res.status, 400, 'a wrong state fails');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'invalid_state' } });
  res = await baasGet(api, CALLBACK + '?code=x', browser);
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'invalid_state' } }, 'no state at all');

  // an expired state
  browser = newBrowser();
  let cb = await atProvider(browser, await authorize(t, api, browser));
  await project.db.run(sql`UPDATE ${states} SET expires_at = ${new Date(Date.now() - 1000).toISOString()}`);
  res = await baasGet(api, cb, browser);
  t.equal(res.status, 400, 'an expired state fails');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'state_expired' } });

  // login CSRF: the attacker's finished callback opened in the victim's browser (no state cookie)
  browser = newBrowser();
  cb = await atProvider(browser, await authorize(t, api, browser));
  res = await baasGet(api, cb, newBrowser());
  t.equal(res.status, 400, 'a callback from another browser fails');
  t.match(res.body.error, { code: 'oauth_failed', details: { reason: 'state_not_bound' } });
  res = await baasGet(api, cb, browser);
  t.equal(res.status, 302, 'the state was not burnt by the refused attempt');

  // a tampered code verifier: the provider refuses the exchange
  browser = newBrowser();
  cb = await atProvider(browser, await authorize(t, api, browser));
  await project.db.run(sql`UPDATE ${states} SET code_verifier = ${'x'.repeat(64)}`);
  expectNoCode(t, await baasGet(api, cb, browser), 'oauth_failed');

  // a tampered nonce: the ID token does not match
  browser = newBrowser();
  cb = await atProvider(browser, await authorize(t, api, browser));
  await project.db.run(sql`UPDATE ${states} SET nonce = ${'another-nonce'}`);
  expectNoCode(t, await baasGet(api, cb, browser), 'oauth_failed');

  // a provider code from another authorization (its own verifier), and a provider code used twice
  browser = newBrowser();
  const first = new URL(await atProvider(browser, await authorize(t, api, browser)));
  const second = new URL(await atProvider(browser, await authorize(t, api, browser)));
  const swapped = new URL(second);
  swapped.searchParams.set('code', first.searchParams.get('code')!);
  expectNoCode(t, await baasGet(api, swapped.href, browser), 'oauth_failed');
  res = await baasGet(api, first.href, browser);
  t.equal(res.status, 302);
  t.ok(new URL(res.location!).searchParams.get('code'), 'the provider refused the swapped code without harming the legitimate flow');

  const third = new URL(await atProvider(browser, await authorize(t, api, browser)));
  res = await baasGet(api, third.href, browser);
  t.ok(new URL(res.location!).searchParams.get('code'), 'a fresh flow works');
  const fourth = new URL(await atProvider(browser, await authorize(t, api, browser)));
  const reused = new URL(fourth);
  reused.searchParams.set('code', third.searchParams.get('code')!);
  expectNoCode(t, await baasGet(api, reused.href, browser), 'oauth_failed');

  // the user cancels at the provider: back to the app with the error, no session
  op.nextLogin = 'deny';
  browser = newBrowser();
  cb = await atProvider(browser, await authorize(t, api, browser));
  res = await baasGet(api, cb, browser);
  expectNoCode(t, res, 'access_denied');

  // a disabled provider cannot start a flow
  await api.request('PUT', api.p('/auth/providers/op'), { token: api.secret, body: { kind: 'oidc', clientId: op.clientId, issuer: op.issuer, enabled: false } });
  res0 = await api.request('GET', api.p(`/auth/oauth/op/authorize?redirectTo=${encodeURIComponent(APP)}`));
  t.equal(res0.status, 404);
});

/** The name of the state cookie for a callback URL's state (what authorize would have set). */
function cookieOf(callbackUrl: string): string {
  const state = new URL(callbackUrl).searchParams.get('state')!;
  return stateCookieName(state);
}
