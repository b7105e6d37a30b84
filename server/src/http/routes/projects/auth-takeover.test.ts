/** Covers services/auth/address-proof.ts (account pre-registration takeover) through the auth routes. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../test/harness.ts';
import { codeOf } from '../../../../test/auth.ts';

// Covers services/auth/address-proof.ts through every email flow that proves
// an address: account pre-registration (and pre-hijacking by email change)
// must not survive the real owner proving the address.

const VICTIM = 'victim@example.com';
const ATTACKER_PASSWORD = 'attacker password';

/** The token of the newest outbox message to `to` with a link of `type`. */
async function linkToken(api: TestInstance, to: string, type: string): Promise<string> {
  await api.app.baas.mailer.idle();
  const { body } = await api.request('GET', api.p('/auth/outbox'), { token: api.secret });
  const message = body.items.find((m: any) => m.to === to && m.text.includes(`#type=${type}&`));
  if (!message) throw new Error(`no ${type} mail to ${to}`);
  return new URLSearchParams(/#(\S+)/.exec(message.text)![1]).get('token')!;
}

/** Ways an attacker gets an account holding the victim's address, unproven, with their own password and session. */
const preRegistrations: Record<string, (api: TestInstance) => Promise<{ accessToken: string; refreshToken: string }>> = {
  async 'sign-up with the victim address'(api) {
    const res = await api.request('POST', api.p('/auth/signup'), { body: { email: VICTIM, password: ATTACKER_PASSWORD } });
    return res.body.session;
  },
  async 'an anonymous account upgraded to the victim address'(api) {
    const anonymous = (await api.request('POST', api.p('/auth/anonymous'), { body: {} })).body.session;
    const res = await api.request('PATCH', api.p('/auth/user'), { token: anonymous.accessToken, body: { email: VICTIM, password: ATTACKER_PASSWORD } });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    // The upgrade keeps the session.
    return anonymous;
  },
};

/** Ways the victim later proves the address without the attacker's session. */
const proofs: Record<string, (api: TestInstance) => Promise<void>> = {
  async 'a magic link'(api) {
    await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: VICTIM } });
    const res = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: await linkToken(api, VICTIM, 'magic_link') } });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  },
  async 'the verification link (that the attacker had mailed)'(api) {
    await api.request('POST', api.p('/auth/verify-email/request'), { body: { email: VICTIM } });
    // Opened in the victim's browser: no session of that account, or a stale token of another.
    const res = await api.request('POST', api.p('/auth/verify-email/confirm'), { token: 'stale.bearer.token', body: { token: await linkToken(api, VICTIM, 'verify_email') } });
    if (res.status !== 200 || res.body.user.verified !== true) throw new Error(JSON.stringify(res.body));
  },
};

async function attackerLockedOut(t: any, api: TestInstance, session: { accessToken: string; refreshToken: string }, email: string): Promise<void> {
  t.equal((await api.request('GET', api.p('/auth/user'), { token: session.accessToken })).status, 401, 'the attacker\'s access token is dead');
  const refresh = await api.request('POST', api.p('/auth/refresh'), { body: { refreshToken: session.refreshToken } });
  t.equal(refresh.status, 401, 'and so is the refresh token');
  const login = await api.request('POST', api.p('/auth/login'), { body: { email, password: ATTACKER_PASSWORD } });
  t.equal(login.status, 401, 'the attacker\'s password no longer signs in');
  t.equal(codeOf(login), 'invalid_credentials');
}

for (const [setup, preRegister] of Object.entries(preRegistrations)) {
  for (const [proof, prove] of Object.entries(proofs)) {
    forEachEngine(t, `pre-registration (${setup}) does not survive the owner proving the address by ${proof}`, async (t, api) => {
      const attacker = await preRegister(api);
      t.equal((await api.request('GET', api.p('/auth/user'), { token: attacker.accessToken })).body.verified, false);
      await prove(api);
      await attackerLockedOut(t, api, attacker, VICTIM);
      // The owner signs in by magic link and has the account to herself.
      await api.request('POST', api.p('/auth/magic-link/request'), { body: { email: VICTIM } });
      const owner = await api.request('POST', api.p('/auth/magic-link/verify'), { body: { token: await linkToken(api, VICTIM, 'magic_link') } });
      t.equal(owner.status, 200);
      t.equal(owner.body.user.verified, true);
      const sessions = await api.request('GET', api.p('/auth/sessions'), { token: owner.body.session.accessToken });
      t.equal(sessions.body.items.length, proof === 'a magic link' ? 2 : 1, 'only sessions opened after the proof remain');
    });
  }
}

forEachEngine(t, 'an account moved onto the victim address (email change) does not stay the attacker\'s when the victim confirms', async (t, api) => {
  const attacker = (await api.request('POST', api.p('/auth/signup'), { body: { email: 'attacker@example.com', password: ATTACKER_PASSWORD } })).body.session;
  await api.request('POST', api.p('/auth/email-change/request'), { token: attacker.accessToken, body: { email: VICTIM } });
  const token = await linkToken(api, VICTIM, 'email_change');
  const res = await api.request('POST', api.p('/auth/email-change/confirm'), { body: { token } });
  t.equal(res.status, 200);
  t.equal(res.body.user.email, VICTIM);
  await attackerLockedOut(t, api, attacker, VICTIM);
});

forEachEngine(t, 'the account holder proving the address with their session keeps password and sessions', async (t, api) => {
  const signed = (await api.request('POST', api.p('/auth/signup'), { body: { email: VICTIM, password: ATTACKER_PASSWORD } })).body.session;
  const other = (await api.request('POST', api.p('/auth/login'), { body: { email: VICTIM, password: ATTACKER_PASSWORD } })).body.session;
  await api.request('POST', api.p('/auth/verify-email/request'), { body: { email: VICTIM } });
  const res = await api.request('POST', api.p('/auth/verify-email/confirm'), { token: signed.accessToken, body: { token: await linkToken(api, VICTIM, 'verify_email') } });
  t.equal(res.status, 200);
  t.equal(res.body.user.verified, true);
  for (const session of [signed, other]) t.equal((await api.request('GET', api.p('/auth/user'), { token: session.accessToken })).status, 200);
  t.equal((await api.request('POST', api.p('/auth/login'), { body: { email: VICTIM, password: ATTACKER_PASSWORD } })).status, 200);

  // Another account's session proves nothing about this one.
  const bob = (await api.request('POST', api.p('/auth/signup'), { body: { email: 'bob@example.com', password: 'bob password!' } })).body.session;
  await api.request('POST', api.p('/auth/email-change/request'), { token: bob.accessToken, body: { email: 'bob2@example.com' } });
  const stranger = (await api.request('POST', api.p('/auth/signup'), { body: { email: 'eve@example.com', password: 'eve password!' } })).body.session;
  const change = await api.request('POST', api.p('/auth/email-change/confirm'), { token: stranger.accessToken, body: { token: await linkToken(api, 'bob2@example.com', 'email_change') } });
  t.equal(change.status, 200);
  t.equal((await api.request('GET', api.p('/auth/user'), { token: bob.accessToken })).status, 401, 'confirmed with someone else\'s session: as without one');
  t.equal((await api.request('GET', api.p('/auth/user'), { token: stranger.accessToken })).status, 200, 'the stranger is not touched');
});
