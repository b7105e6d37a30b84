import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@baas/testkit';
import type { Page } from 'playwright-core';
import { startInstance } from '../../server/test/harness.ts';

/** Where the browser suite leaves its screenshots (git-ignored): look at them after a change to the UI. */
export const screenshotDir = resolve(import.meta.dirname, '../test-output/screens');

export const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

/**
 * A real baas server (buildApp listening on a free port, serving the built
 * dashboard) and headless Chromium (Debian's, through playwright-core) with a
 * page on it. Every console error and uncaught exception of the page is
 * collected in `problems`, except the browser's own "Failed to load
 * resource" line for the 4xx answers the tests provoke on purpose (a wrong
 * password, a bad filter): those are the API working, and the page shows them.
 * Undefined when Chromium is missing outside CI.
 */
export async function openDashboard(teardown: (fn: () => unknown) => void) {
  const browser = await launchChromium();
  if (!browser) return undefined;
  const api = await startInstance('sqlite');
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  teardown(async () => {
    await browser.close();
    api.app.server.closeAllConnections();
    await api.close();
  });
  const problems: string[] = [];
  const page = await browser.context.newPage();
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  mkdirSync(screenshotDir, { recursive: true });
  return { api, url, page, problems, newPage: () => browser.context.newPage() };
}

/** Screenshots of the current page, light and dark, at its viewport size. */
export async function snap(page: Page, name: string): Promise<void> {
  const { width } = page.viewportSize() ?? { width: 0 };
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(screenshotDir, `${name}-${colorScheme}-${width}.png`), fullPage: false });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
