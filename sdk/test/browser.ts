import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { launchChromium } from '@baas/testkit';
import type { Page } from 'playwright-core';

const dist = resolve(import.meta.dirname, '../dist');

/**
 * A page in headless Chromium running `entry` (a module of the test) bundled
 * for the browser against the *built* SDK (`@baas/sdk` → dist/index.js), as
 * an app would ship it. The page comes from its own origin (another port than
 * the API), so every call is cross-origin, as in a real app. The module's
 * exports are `window.app`. Undefined (the test skips) when Chromium is
 * missing outside CI.
 */
export async function openAppPage(teardown: (fn: () => unknown) => void, entry: string): Promise<{ page: Page; errors: string[] } | undefined> {
  const browser = await launchChromium();
  if (!browser) return undefined;
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'app',
    platform: 'browser',
    target: 'chrome120',
    alias: { '@baas/sdk': join(dist, 'index.js') },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text;
  const html = '<!doctype html><meta charset="utf-8"><title>baas app</title><script src="/app.js"></script>';
  const server = createServer((req, res) => {
    const isScript = req.url === '/app.js';
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
    res.end(isScript ? script : html);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  teardown(async () => {
    await browser.close();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return { page, errors };
}
