// The published package as an app would consume it: the built ESM and CJS
// files, their size in a browser bundle, and what a bundler may leave out.
import t from 'tap';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '../dist');
/** The core budget of the issue: the whole main entry, minified and gzipped. */
const budget = 15 * 1024;

if (!existsSync(join(dist, 'index.js'))) throw new Error(`${dist} is missing: run \`pnpm --filter @baas/sdk build\` (pnpm test does)`);

/** A minified browser bundle of `source`, which imports the built SDK as `sdk`. */
async function bundle(source: string): Promise<{ code: string; gzip: number }> {
  const result = await build({
    stdin: { contents: source, resolveDir: dist, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    alias: { sdk: join(dist, 'index.js') },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  return { code, gzip: gzipSync(code, { level: 9 }).length };
}

t.test('the ESM and CJS builds export the same API', async (t) => {
  const esm = await import(join(dist, 'index.js'));
  const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs'));
  for (const name of ['createClient', 'BaasError', 'isBaasError', 'filter', 'memoryStore', 'localStorageStore']) {
    t.equal(typeof esm[name], 'function', `esm exports ${name}`);
    t.equal(typeof cjs[name], 'function', `cjs exports ${name}`);
  }
  t.same(Object.keys(esm).sort(), Object.keys(cjs).sort());
  const client = cjs.createClient({ url: 'http://127.0.0.1:1/', project: 'app' });
  t.equal(client.url, 'http://127.0.0.1:1');
  t.equal(cjs.filter('a = {:x}', { x: "it's" }), "a = 'it\\'s'");
});

t.test('declarations are self-contained (the private workspace types are inlined)', async (t) => {
  const { readFileSync } = await import('node:fs');
  for (const file of ['index.d.ts', 'index.d.cts']) {
    const dts = readFileSync(join(dist, file), 'utf8');
    t.notMatch(dts, /from ['"]@baas\//, `${file} imports no workspace package`);
    t.match(dts, /interface AuthUser/, `${file} carries the protocol types`);
  }
});

t.test(`the whole SDK fits the ${budget / 1024} KB min+gzip budget in a browser bundle`, async (t) => {
  const { code, gzip } = await bundle(`export * from 'sdk';`);
  t.comment(`@baas/sdk: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzipped (budget ${budget / 1024} KB)`);
  t.ok(gzip <= budget, `${gzip} bytes <= ${budget}`);
  // A browser bundle must not pull in Node modules or the ws package.
  t.notMatch(code, /require\(["'](node:|ws)/);
  t.notMatch(code, /from\s*["'](node:|ws["'])/);
});

t.test('it is tree-shakeable: importing one helper does not bring the client', async (t) => {
  const all = await bundle(`export * from 'sdk';`);
  const one = await bundle(`import { filter } from 'sdk'; console.log(filter('a = {:b}', { b: 1 }));`);
  t.comment(`filter alone: ${one.gzip} bytes gzipped`);
  t.ok(one.gzip < all.gzip / 5, `${one.gzip} bytes is a small part of ${all.gzip}`);
  t.notMatch(one.code, /WebSocket/);
  t.notMatch(one.code, /refreshToken/);
});

t.test('the published declarations type a browser app: generated Schema, no Node types', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const { generateTypes, normalizeCollection } = await import('@baas/schema');
  const dir = mkdtempSync(join(tmpdir(), 'baas-dts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'schema.ts'), generateTypes([
    normalizeCollection({ name: 'todos', fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'done', type: 'boolean', nullable: false, default: false },
      { name: 'owner', type: 'relation', collection: 'users', required: true },
    ] }),
  ]));
  const app = `
import { createClient, isBaasError } from '@baas/sdk';
import type { Schema } from './schema.ts';
const client = createClient<Schema>({ url: 'http://127.0.0.1:8787', project: 'app' });
const todos = client.collection('todos');
export async function run(): Promise<string> {
  const todo = await todos.create({ title: 'x', owner: 'u1' });
  const done: boolean = todo.done;
  const page = await todos.list({ filter: client.filter('owner = {:me}', { me: 'u1' }), sort: '-created_at' });
  for await (const item of todos.iterate()) item.title.toUpperCase();
  await client.batch([{ action: 'update', collection: 'todos', id: todo.id, data: { done: !done } }]);
  try { await todos.getOne('nope'); } catch (err) { if (isBaasError(err, 'record_not_found')) return err.code; }
  const stats = await todos.aggregate({ groupBy: ['done', 'day(created_at)'], select: ['count', 'max(created_at)'], sort: ['-count', 'day_created_at'] });
  const n: number = stats.items[0].count;
  const d: boolean | null = stats.items[0].done;
  const day: string | null = stats.items[0].day_created_at;
  const latest: string | null = stats.items[0].max_created_at;
  const total: number = (await todos.aggregate()).items[0].count;
  const found = await todos.list({ search: 'milk', highlight: true });
  const snippet: string | undefined = found.items[0]._highlight?.title;
  void [n, d, day, latest, total, snippet];
  return page.items[0].title;
}
// @ts-expect-error sum of a text field
todos.aggregate({ select: ['sum(title)'] });
// @ts-expect-error day() of a field that is not a date
todos.aggregate({ groupBy: ['day(title)'] });
// @ts-expect-error a metric the reply does not have
todos.aggregate({ select: ['count'] }).then((r) => r.items[0].sum_done);
// @ts-expect-error a misspelled field
todos.create({ titel: 'x', owner: 'u1' });
// @ts-expect-error an unknown collection
client.collection('todoz');
// @ts-expect-error a batch operation on a field the collection lacks
client.batch([{ action: 'update', collection: 'todos', id: 'x', data: { dne: true } }]);
`;
  writeFileSync(join(dir, 'app.ts'), app);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'Bundler',
      allowImportingTsExtensions: true, noEmit: true, types: [], skipLibCheck: false,
      paths: { '@baas/sdk': [join(dist, 'index.d.ts')] },
    },
    files: ['app.ts'],
  }));
  const tsc = resolve(import.meta.dirname, '../../node_modules/.bin/tsc');
  const run = spawnSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  t.equal(run.stdout + run.stderr, '', 'tsc reports nothing');
  t.equal(run.status, 0);
});
