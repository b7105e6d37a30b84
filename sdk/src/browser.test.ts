// The built SDK in a real browser (headless Chromium through playwright-core).
import t from 'tap';
import { resolve } from 'node:path';
import { openAppPage } from '../test/browser.ts';
import { startServer } from '../test/server.ts';

const fixtures = resolve(import.meta.dirname, '../test/fixtures');

t.test('the built SDK runs in Chromium against a real server on another origin', async (t) => {
  const { url } = await startServer(t.teardown);
  const opened = await openAppPage(t.teardown, resolve(fixtures, 'smoke-page.ts'));
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });
  const result = await opened.page.evaluate((url) => (window as any).app.smoke(url), url);
  t.same(result, { health: 'ok', denied: '404 collection_not_found', hasWs: 'function' });
  t.same(opened.errors, []);
});
