/** Covers services/auth/tokens.ts, signing-keys.ts and services/actors.ts (access tokens, JWKS, rotation) through the auth routes. */
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { forEachEngine, startInstance } from '../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../test/auth.ts';
import { signAccessToken } from '../../../services/auth/tokens.ts';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (jwt: string) => jwt.split('.');
const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

forEachEngine(t, 'access tokens: claims and header', async (t, api) => {
  const s = await signUp(api, 'claims@example.com');
  const header = decodeProtectedHeader(s.session.accessToken);
  t.match(header, { alg: 'EdDSA', typ: 'at+jwt', kid: String });
  const claims = decodeJwt(s.session.accessToken);
  t.match(claims, { iss: 'baas:project:app', aud: 'app', sub: s.user.id, sid: String, role: null, anon: false, exp: Number, iat: Number });
  t.equal(claims.exp! - claims.iat!, 900, 'default TTL 15 minutes');
  t.equal(new Date(s.session.expiresAt).getTime(), claims.exp! * 1000, 'expiresAt is the access token expiry');
});

forEachEngine(t, 'bad access tokens are 401 with a stable code', async (t, api) => {
  const s = await signUp(api, 'victim@example.com');
  const token: string = s.session.accessToken;
  const [h, p, sig] = parts(token);
  const header = json(h);
  const payload = json(p);
  const me = (tok: string) => api.request('GET', api.p('/auth/user'), { token: tok });

  const flipped = sig[0] === 'A' ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
  const jwks = (await api.request('GET', api.p('/auth/jwks.json'))).body;
  const cases: Record<string, string> = {
    'tampered payload': `${h}.${b64({ ...payload, role: 'admin' })}.${sig}`,
    'tampered subject': `${h}.${b64({ ...payload, sub: 'someone-else' })}.${sig}`,
    'tampered signature': `${h}.${p}.${flipped}`,
    'alg none': `${b64({ ...header, alg: 'none' })}.${p}.`,
    'alg none, no signature part': `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}`,
    'wrong kid': `${b64({ ...header, kid: 'not-a-key-of-this-project' })}.${p}.${sig}`,
    'no kid': `${b64({ alg: 'EdDSA', typ: 'at+jwt' })}.${p}.${sig}`,
    'HS256 with the public key as secret': await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: header.kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0]))),
    'refresh token as access token': s.session.refreshToken,
    garbage: 'garbage',
  };
  for (const [name, bad] of Object.entries(cases)) {
    const res = await me(bad);
    t.equal(res.status, 401, name);
    t.equal(codeOf(res), 'invalid_token', name);
  }
  // Signed by this project's own key, but issued for another project: iss/aud refuse it.
  const project = (await api.app.baas.registry.get('app'))!;
  const misissued = await signAccessToken(project.db, { id: 'other' }, { sub: s.user.id, sid: payload.sid, role: null, anon: false }, 60);
  t.equal(codeOf(await me(misissued.token)), 'invalid_token', 'right key, wrong issuer and audience');
  t.equal((await me(token)).status, 200, 'the genuine token still works');
});

forEachEngine(t, 'an expired access token is token_expired', async (t, api) => {
  const set = await api.request('PATCH', api.p('/auth/settings'), { token: api.secret, body: { accessTokenTtl: 1 } });
  t.equal(set.status, 200);
  t.equal(set.body.accessTokenTtl, 1);
  const s = await signUp(api, 'short@example.com');
  t.equal((await api.request('GET', api.p('/auth/user'), { token: s.session.accessToken })).status, 200);
  await new Promise((r) => setTimeout(r, 2100));
  const res = await api.request('GET', api.p('/auth/user'), { token: s.session.accessToken });
  t.equal(res.status, 401);
  t.equal(codeOf(res), 'token_expired');
  const refreshed = await api.request('POST', api.p('/auth/refresh'), { token: s.session.accessToken, body: { refreshToken: s.session.refreshToken } });
  t.equal(refreshed.status, 200, 'refresh works with the expired token still in the header');
});

forEachEngine(t, "another project's token is refused", async (t, api) => {
  await api.app.baas.projects.create('other', 'Other');
  const foreign = await signUp(api, 'x@example.com', { project: 'other' });
  const res = await api.request('GET', api.p('/auth/user'), { token: foreign.session.accessToken });
  t.equal(res.status, 401);
  t.equal(codeOf(res), 'invalid_token');
  const otherKids = (await api.request('GET', '/v1/projects/other/auth/jwks.json')).body.keys.map((k: any) => k.kid);
  const ownKids = (await api.request('GET', api.p('/auth/jwks.json'))).body.keys.map((k: any) => k.kid);
  t.notOk(otherKids.some((k: string) => ownKids.includes(k)), 'each project has its own keys');
  t.equal(codeOf(await api.request('GET', api.p('/collections'), { token: foreign.session.accessToken })), 'invalid_token');
  t.equal((await api.request('GET', '/v1/projects/other/auth/user', { token: foreign.session.accessToken })).status, 200);
  t.equal((await api.request('GET', '/v1/admin/projects', { token: foreign.session.accessToken })).status, 401, 'no user token on instance routes');
});

forEachEngine(t, 'key rotation: old tokens verify until they expire, new ones use the new kid', async (t, api) => {
  const before = await signUp(api, 'rotate@example.com');
  const oldKid = decodeProtectedHeader(before.session.accessToken).kid;
  t.equal((await api.request('POST', api.p('/auth/keys/rotate'), { token: before.session.accessToken })).status, 403, 'users may not rotate');
  t.equal((await api.request('POST', api.p('/auth/keys/rotate'))).status, 401);
  const rotated = await api.request('POST', api.p('/auth/keys/rotate'), { token: api.secret });
  t.equal(rotated.status, 200);
  t.not(rotated.body.kid, oldKid);
  t.same(rotated.body.retired, [oldKid]);

  t.equal((await api.request('GET', api.p('/auth/user'), { token: before.session.accessToken })).status, 200, 'the old token still verifies');
  const after = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: before.session.refreshToken } });
  t.equal(decodeProtectedHeader(after.body.session.accessToken).kid, rotated.body.kid, 'new tokens use the new key');
  const kids = (await api.request('GET', api.p('/auth/jwks.json'))).body.keys.map((k: any) => k.kid).sort();
  t.same(kids, [oldKid, rotated.body.kid].sort(), 'jwks lists both while old tokens may live');

});

t.test('a third party validates an access token against jwks.json over HTTP', async (t) => {
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  const s = await signUp(api, 'third@example.com');
  const jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/v1/projects/app/auth/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(s.session.accessToken, jwks, { issuer: 'baas:project:app', audience: 'app', algorithms: ['EdDSA'] });
  t.equal(payload.sub, s.user.id);
  t.equal(protectedHeader.alg, 'EdDSA');

  // After a rotation the remote set finds the new kid by re-fetching.
  await api.request('POST', api.p('/auth/keys/rotate'), { token: api.secret });
  const s2 = await signUp(api, 'third2@example.com');
  const fresh = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/v1/projects/app/auth/jwks.json`));
  t.equal((await jwtVerify(s2.session.accessToken, fresh, { issuer: 'baas:project:app', audience: 'app' })).payload.sub, s2.user.id);
  t.equal((await jwtVerify(s.session.accessToken, fresh, { issuer: 'baas:project:app', audience: 'app' })).payload.sub, s.user.id, 'the old token too');

  // A key of another project (imported by a third party by mistake) does not verify this one's tokens.
  await api.app.baas.projects.create('other', 'Other');
  const otherJwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/v1/projects/other/auth/jwks.json`));
  await t.rejects(jwtVerify(s.session.accessToken, otherJwks));
});
