// Two tabs of one app in a real browser share the session in localStorage.
// Refresh tokens are single-use, and a reused one makes the server revoke the
// whole session: the tabs must take turns refreshing (Web Locks), and the
// second must adopt the pair the first stored instead of spending its own,
// even when the first tab's localStorage write has not reached it yet (this
// test found that: without the spent-token lock it failed two runs in three).
import t from 'tap';
import { resolve } from 'node:path';
import { openAppPage } from '../../test/browser.ts';
import { startServer } from '../../test/server.ts';

t.test('two Chromium tabs refreshing 2-second tokens side by side keep one live session', async (t) => {
  const { instance, url } = await startServer(t.teardown);
  const settings = await instance.request('PATCH', '/v1/projects/app/auth/settings', { token: instance.secret, body: { accessTokenTtl: 2 } });
  t.equal(settings.status, 200);
  const opened = await openAppPage(t.teardown, resolve(import.meta.dirname, '../../test/fixtures/tabs-page.ts'));
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });

  const first = opened.page;
  const second = await first.context().newPage();
  await second.goto(first.url());
  const userId = await first.evaluate((url) => (window as any).app.open(url, 'tabs@example.com'), url);
  t.ok(userId, 'signed up in the first tab');
  t.equal(await second.evaluate((url) => (window as any).app.open(url), url), userId, 'the second tab restored the same session from localStorage');

  // About four token lifetimes, both tabs calling the API all along: each refresh happens in one tab.
  const [a, b] = await Promise.all([first, second].map((page) => page.evaluate(() => (window as any).app.busy(8000, 150))));
  for (const [name, tab] of [['first', a], ['second', b]] as const) {
    t.same(tab.failures, [], `${name} tab: no call failed and it was never signed out`);
    t.equal(tab.user, userId, `${name} tab: still the same user`);
    t.ok(tab.calls > 20, `${name} tab: ${tab.calls} calls`);
    t.ok(tab.tokens >= 3, `${name} tab: used ${tab.tokens} access tokens (refreshed along the way)`);
  }
  t.equal(a.sessions, 1, 'one session on the server: never revoked, never duplicated');
});
