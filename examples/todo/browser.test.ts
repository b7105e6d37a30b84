// The README's SDK walkthrough in headless Chromium: the same steps as in
// Node, bundled against the built SDK and served from another origin.
import t from 'tap';
import { resolve } from 'node:path';
import { createClient } from '@baas/sdk';
import { openAppPage } from '../../sdk/test/browser.ts';
import { startServer } from '../../sdk/test/server.ts';
import { checkReport } from './check-report.ts';
import type { ScenarioReport } from './scenario.ts';
import { setUp } from './setup.ts';

t.test('the todo walkthrough, step by step, in Chromium', async (t) => {
  const { instance, url } = await startServer(t.teardown);
  await setUp(createClient({ url, project: 'app', key: instance.secret }));
  const opened = await openAppPage(t.teardown, resolve(import.meta.dirname, 'scenario.ts'));
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });
  const { page, errors } = opened;

  const report = await page.evaluate(([url, email]) => (window as any).app.runTodoScenario(url, email) as Promise<ScenarioReport>, [url, 'bea@example.com']);
  checkReport(t, report);

  // The browser's defaults: the session went to localStorage, and signing out removed it.
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('baas.')));
  t.same(stored, [], 'nothing left in localStorage after sign-out');
  t.same(errors, [], 'no uncaught errors in the page');
});

t.test('in Chromium, a page signs in, writes, and receives its own change over realtime; the session survives a reload', async (t) => {
  const { instance, url } = await startServer(t.teardown);
  await setUp(createClient({ url, project: 'app', key: instance.secret }));
  const opened = await openAppPage(t.teardown, resolve(import.meta.dirname, 'scenario.ts'));
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });
  const { page } = opened;

  const first = await page.evaluate(async (url) => {
    const { connect, addTodo } = (window as any).app;
    const client = connect(url);
    await client.auth.signUp({ email: 'cy@example.com', password: 'correct horse battery' });
    let ready!: () => void;
    const live = new Promise<void>((resolve) => (ready = resolve));
    const seen = new Promise((resolve) => {
      const stop = client.collection('todos').subscribe('*', (event: { action: string; record: { title: string } }) => {
        stop();
        resolve(`${event.action} ${event.record.title}`);
      }, { onReady: ready });
    });
    await live; // changes count from the moment the subscription is live
    await addTodo(client, 'from the browser');
    return { seen: await seen, user: client.auth.user.id, stored: Object.keys(localStorage).filter((k) => k.startsWith('baas.')).length };
  }, url);
  t.equal(first.seen, 'create from the browser');
  t.equal(first.stored, 1, 'the session is in localStorage');

  await page.reload();
  const after = await page.evaluate(async (url) => {
    const client = (window as any).app.connect(url);
    await client.auth.ready;
    const { items } = await client.collection('todos').list();
    return { user: client.auth.user?.id ?? null, titles: items.map((t: { title: string }) => t.title) };
  }, url);
  t.same(after, { user: first.user, titles: ['from the browser'] }, 'signed in again after a reload, with the same data');
});
