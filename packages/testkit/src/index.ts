import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Under CI (`BAAS_TEST_NO_SKIP=1`) a test that needs a service must fail when
 * the service is missing instead of quietly skipping.
 */
export const noSkip = process.env.BAAS_TEST_NO_SKIP === '1';

/** The PostgreSQL server tests may use, or undefined when none is configured. */
export function postgresUrl(): string | undefined {
  const url = process.env.BAAS_TEST_DATABASE_URL;
  if (!url && noSkip) {
    throw new Error('BAAS_TEST_NO_SKIP=1 but BAAS_TEST_DATABASE_URL is not set: PostgreSQL tests cannot run');
  }
  return url || undefined;
}

/** The engines a two-engine suite runs on: always sqlite, postgres when configured. */
export function engines(): Array<{ name: 'sqlite' | 'postgres'; databaseUrl?: string }> {
  const url = postgresUrl();
  return url ? [{ name: 'sqlite' }, { name: 'postgres', databaseUrl: url }] : [{ name: 'sqlite' }];
}

/** A fresh, empty PostgreSQL database; `drop()` removes it. */
export async function createTempDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `baas_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh temporary directory; `remove()` deletes it. */
export function tempDir(prefix = 'baas-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Where Debian's Chromium is (`apt-get install chromium`; .ci/run installs it). */
export const chromiumPath = process.env.BAAS_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A headless Chromium driven by playwright-core (never a downloaded browser)
 * with a fresh profile, as a browser context to open pages in; undefined when
 * Chromium is not installed, unless BAAS_TEST_NO_SKIP=1, where that is an
 * error. `close()` also removes the profile.
 */
export async function launchChromium(): Promise<{ context: import('playwright-core').BrowserContext; close(): Promise<void> } | undefined> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(chromiumPath)) {
    if (noSkip) throw new Error(`BAAS_TEST_NO_SKIP=1 but Chromium is not at ${chromiumPath}: browser tests cannot run`);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  const profile = tempDir('baas-chromium-');
  // The flags keep Chromium from calling Google's services (this closed network
  // refuses them), and let it run as root without a sandbox or a GPU.
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      profile.remove();
    },
  };
}

/** Runs one SQL statement on a PostgreSQL database (its own connection) and answers the rows: for tests that look under the API. */
export async function queryDatabase(url: string, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}
