/** Covers http/routes/dashboard.ts (the dashboard at /_/). */
import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { tempDir } from '@baas/testkit';
import { dashboardDist } from '@baas/admin-ui';
import { forEachEngine } from '../../../test/harness.ts';
import { registerErrorHandling } from '../plugins/errors.ts';
import { dashboardCsp, dashboardRoutes } from './dashboard.ts';

/** A tiny stand-in build (the real one is checked by the browser suite): index.html and one hashed asset. */
function fakeBuild(): string {
  const dir = tempDir('baas-dash-');
  t.teardown(dir.remove);
  mkdirSync(join(dir.path, 'assets'));
  writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>baas dashboard</title><script type="module" src="/_/assets/index-AbCd1234.js"></script>');
  writeFileSync(join(dir.path, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
  return dir.path;
}

async function appServing(dir: string) {
  const app = Fastify();
  registerErrorHandling(app);
  await dashboardRoutes(app, dir);
  t.teardown(() => app.close());
  return app;
}

t.test('the dashboard: index.html for app paths, hashed assets cached, a CSP on everything', async (t) => {
  const app = await appServing(fakeBuild());
  for (const path of ['/_/', '/_/login', '/_/p/app/collections/posts?filter=x']) {
    const res = await app.inject(path);
    t.equal(res.statusCode, 200, path);
    t.match(res.headers['content-type'], /text\/html/, path);
    t.match(res.body, /baas dashboard/, path);
    t.equal(res.headers['cache-control'], 'no-cache', `${path}: the page is revalidated, so a new build is picked up`);
    t.equal(res.headers['content-security-policy'], dashboardCsp, path);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const asset = await app.inject('/_/assets/index-AbCd1234.js');
  t.equal(asset.statusCode, 200);
  t.match(asset.headers['content-type'], /javascript/);
  t.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.equal(asset.headers['content-security-policy'], dashboardCsp);

  const missing = await app.inject('/_/assets/index-Gone5678.js');
  t.equal(missing.statusCode, 404, 'a missing asset is not answered with the page');
  t.equal(missing.json().error.code, 'route_not_found');
  const bare = await app.inject('/_');
  t.equal(bare.statusCode, 302);
  t.equal(bare.headers.location, '/_/');
  t.match(dashboardCsp, /script-src 'self'(;|$)/, 'no inline script, no eval');
});

t.test('without a build, /_/ says how to build it', async (t) => {
  const dir = tempDir('baas-nodash-');
  t.teardown(dir.remove);
  const app = await appServing(dir.path);
  const res = await app.inject('/_/');
  t.equal(res.statusCode, 503);
  t.match(res.body, /pnpm --filter @baas\/admin-ui build/);
});

forEachEngine(t, 'buildApp serves the built dashboard at /_/ beside the API', async (t, api) => {
  if (!existsSync(join(dashboardDist, 'index.html'))) return void t.fail('admin-ui is not built: pnpm test builds it first');
  const res = await api.request('GET', '/_/projects');
  t.equal(res.status, 200);
  t.match(res.headers['content-security-policy'], /default-src 'self'/);
  t.equal((await api.request('GET', '/v1/health')).status, 200, 'the API is untouched');
  t.notOk((await api.request('GET', '/v1/health')).headers['content-security-policy'], 'the API replies carry no page CSP');
});
