import t from 'tap';
import { CookieJar, startOpenIdProvider } from '../../../server/test/openid-provider.ts';
import { failure } from '../../test/server.ts';
import { recorder, setup } from '../../test/auth.ts';

// The callback URL baas builds from its config (no publicUrl: http://host:port of the config, not the test port);
// the "browser" below sends what goes there to the test server instead.
const PUBLIC_URL = 'http://127.0.0.1:8787';
const APP = 'http://app.example.com';

const { instance, url, client } = await setup((fn) => t.teardown(fn));
const op = await startOpenIdProvider(`${PUBLIC_URL}/v1/projects/app/auth/oauth/op/callback`);
t.teardown(() => op.close());
op.accounts.set('alice', { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' });
for (const [path, body] of [
  ['/auth/settings', { siteUrl: APP }],
  ['/auth/providers/op', { kind: 'oidc', clientId: op.clientId, clientSecret: op.clientSecret, issuer: op.issuer }],
] as const) {
  const res = await instance.request(path.endsWith('op') ? 'PUT' : 'PATCH', instance.p(path), { token: instance.secret, body });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A browser from `start` through baas and the provider, following redirects until it is sent to the app: that URL. */
async function browse(start: string): Promise<string> {
  const jar = new CookieJar();
  let next = start;
  for (let i = 0; i < 20; i++) {
    if (next.startsWith(APP)) return next;
    const res = await fetch(next.replace(PUBLIC_URL, url), { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (!location) throw new Error(`${next}: ${res.status} without a redirect: ${await res.text()}`);
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

t.test('a full OAuth sign-in: authorize URL, provider, callback page', async (t) => {
  const c = client();
  const seen = recorder(c);
  op.nextLogin = 'alice';
  const back = await browse(c.auth.oauthUrl('op', { redirectTo: `${APP}/done` }));
  t.match(back, /^http:\/\/app\.example\.com\/done\?code=/);

  const session = await c.auth.handleOAuthCallback(back);
  t.match(session, { user: { email: 'alice@example.com', verified: true, data: { name: 'Alice' } }, session: { refreshToken: /^rt_/ } });
  t.equal(c.auth.user?.email, 'alice@example.com');
  t.match(await c.auth.sessions(), [{ method: 'oauth:op', current: true }]);
  t.same(seen, ['initial_session:-', 'signed_in:alice@example.com']);
  t.match(await failure(() => client().auth.handleOAuthCallback(back)), { code: 'oauth_failed', details: { reason: 'invalid_code' } }, 'the code is single-use');

  op.nextLogin = 'deny';
  const denied = await browse(c.auth.oauthUrl('op', { redirectTo: `${APP}/done` }));
  t.match(await failure(() => client().auth.handleOAuthCallback(denied)), { code: 'access_denied' });
});
