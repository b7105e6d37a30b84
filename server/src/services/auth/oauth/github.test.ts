import t from 'tap';
import { githubProfile } from './github.ts';

/** A stand-in for api.github.com: answers by path, records what was asked. */
function fakeGithub(routes: Record<string, [number, unknown]>) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string> });
    const [status, body] = routes[new URL(url).pathname] ?? [404, { message: 'Not Found' }];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchImpl, calls };
}

const user = { id: 42, login: 'octo', name: null, avatar_url: 'https://avatars.example/42' };

t.test('the verified primary email is the email; the numeric id is the subject', async (t) => {
  const { fetchImpl, calls } = fakeGithub({
    '/user': [200, user],
    '/user/emails': [200, [
      { email: 'old@example.com', primary: false, verified: true },
      { email: 'octo@example.com', primary: true, verified: true },
    ]],
  });
  t.same(await githubProfile('gho_token', fetchImpl, 'https://api.github.test'), {
    subject: '42', email: 'octo@example.com', emailVerified: true, name: 'octo', avatarUrl: 'https://avatars.example/42',
  });
  t.equal(calls[0].headers.authorization, 'Bearer gho_token');
  t.ok(calls[0].headers['user-agent'], 'GitHub requires a User-Agent');
});

t.test('an unverified primary email, or no email scope, gives no email', async (t) => {
  let gh = fakeGithub({ '/user': [200, user], '/user/emails': [200, [{ email: 'x@example.com', primary: true, verified: false }]] });
  t.match(await githubProfile('tok', gh.fetchImpl), { email: null, emailVerified: false });
  gh = fakeGithub({ '/user': [200, user], '/user/emails': [403, { message: 'Resource not accessible' }] });
  t.match(await githubProfile('tok', gh.fetchImpl), { subject: '42', email: null, emailVerified: false });
});

t.test('a failing /user is an error, not an anonymous identity', async (t) => {
  await t.rejects(githubProfile('tok', fakeGithub({ '/user': [401, { message: 'Bad credentials' }] }).fetchImpl), /401/);
  await t.rejects(githubProfile('tok', fakeGithub({ '/user': [200, { login: 'no-id' }] }).fetchImpl), /without an id/);
});
