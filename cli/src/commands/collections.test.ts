import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@baas/testkit';
import { startInstance } from '../../../server/test/harness.ts';
import { memoryIo } from '../../test/helpers.ts';
import { runCli } from '../program.ts';

// Schema as code in-process against a real server: export from one project,
// import into another with the diff shown and nothing applied without --yes.
const instance = await startInstance('sqlite');
await instance.app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}`;
const tmp = tempDir('baas-cli-collections-');
t.teardown(async () => {
  await instance.close();
  tmp.remove();
});
const admin = ['--url', url, '--token', instance.adminToken];
async function cli(args: string[], answers?: string[]) {
  const io = memoryIo({ cwd: tmp.path, env: { XDG_CONFIG_HOME: join(tmp.path, 'config') }, answers });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
const sk = instance.secret;
const api = (method: string, path: string, body?: unknown, token = sk) => instance.request(method, path, { token, body });

await api('POST', '/v1/projects/app/collections', {
  name: 'authors',
  fields: [{ name: 'name', type: 'text', required: true }],
  rules: { list: '', view: '', create: null, update: null, delete: null },
});
await api('POST', '/v1/projects/app/collections', {
  name: 'posts',
  fields: [{ name: 'title', type: 'text' }, { name: 'body', type: 'text' }, { name: 'author', type: 'relation', collection: 'authors' }],
  indexes: [{ fields: ['title'] }],
  rules: { list: "title != ''", view: '', create: null, update: null, delete: null },
});
await api('POST', '/v1/projects/app/storage/buckets', { name: 'media', public: true, maxSize: 1000 });
const shop = (await api('POST', '/v1/admin/projects', { id: 'shop' }, instance.adminToken)).body.keys[0].secret;
await api('POST', '/v1/projects/shop/collections', { name: 'legacy', fields: [{ name: 'x', type: 'text' }] }, shop);
await api('POST', '/v1/projects/shop/collections/legacy/records', { x: 'old data' }, shop);

t.test('export, then import into another project: diff first, applied only with --yes', async (t) => {
  let run = await cli(['collections', 'export', '--project', 'app', '--out', 'schema.json', ...admin]);
  t.equal(run.code, 0, run.err);
  t.equal(run.out, 'wrote 2 collections and 1 buckets to schema.json\n');
  const doc = JSON.parse(readFileSync(join(tmp.path, 'schema.json'), 'utf8'));
  t.match(doc, { format: 'baas-schema', version: 1, collections: [{ name: 'authors' }, { name: 'posts', indexes: [{ name: 'idx_posts_title' }], rules: { list: "title != ''" } }], buckets: [{ name: 'media', public: true, maxSize: 1000 }] });
  t.notOk('createdAt' in doc.collections[0]);
  run = await cli(['collections', 'export', '--project', 'app', '--key', sk, '--url', url]);
  t.same(JSON.parse(run.out), doc, 'stdout with a secret key: the same document');

  const diff = [
    '+ collection authors',
    '+ collection posts',
    '- collection legacy',
    '+ bucket media',
    '',
    'data that would be deleted:',
    '  collection legacy: 1 records',
    '',
  ].join('\n');
  run = await cli(['collections', 'import', 'schema.json', '--project', 'shop', '--dry-run', ...admin]);
  t.same(run, { code: 0, out: diff, err: '' }, '--dry-run shows the diff and stops');
  run = await cli(['collections', 'import', 'schema.json', '--project', 'shop', ...admin]);
  t.same(run, { code: 1, out: diff, err: 'error: not applied: run again with --yes to apply it (or --dry-run to only look)\n' });
  run = await cli(['collections', 'import', 'schema.json', '--project', 'shop', ...admin], ['n']);
  t.match(run, { code: 1, err: /apply these changes to project 'shop'\? \[y\/N\] error: not applied\n$/ });
  t.same((await api('GET', '/v1/projects/shop/collections', undefined, shop)).body.items.map((c: { name: string }) => c.name), ['legacy'], 'nothing was applied');

  run = await cli(['collections', 'import', 'schema.json', '--project', 'shop', '--yes', '--json', ...admin]);
  t.equal(run.code, 0, run.err);
  t.match(JSON.parse(run.out), { applied: true, diff: { collections: { added: ['authors', 'posts'], removed: ['legacy'] }, dropped: [{ collection: 'legacy', records: 1 }] } });
  const imported = (await api('GET', '/v1/projects/shop/collections', undefined, shop)).body.items;
  t.same(imported.map((c: { name: string }) => c.name), ['authors', 'posts']);
  t.same(imported[1].indexes, doc.collections[1].indexes);
  t.equal((await api('GET', '/v1/projects/shop/storage/buckets/media', undefined, shop)).body.maxSize, 1000);
  run = await cli(['collections', 'import', 'schema.json', '--project', 'shop', '--yes', ...admin]);
  t.same(run, { code: 0, out: 'no changes: the project already has this schema\n', err: '' }, 'a second import changes nothing');

  // a field removed from the file: the diff names the data it holds
  await api('POST', '/v1/projects/shop/collections/posts/records', { title: 't', body: 'keep me' }, shop);
  doc.collections[1].fields = doc.collections[1].fields.filter((f: { name: string }) => f.name !== 'body');
  doc.collections[1].rules.update = '';
  writeFileSync(join(tmp.path, 'less.json'), JSON.stringify(doc));
  run = await cli(['collections', 'import', 'less.json', '--project', 'shop', ...admin]);
  t.equal(run.code, 1);
  t.equal(run.out, "~ collection posts: field 'body' removed, rule 'update' changed\n\ndata that would be deleted:\n  posts.body: the values of 1 records\n");
  t.equal((await api('GET', '/v1/projects/shop/collections/posts/records', undefined, shop)).body.items[0].body, 'keep me');
  run = await cli(['collections', 'import', 'less.json', '--project', 'shop', ...admin], ['y']);
  t.equal(run.code, 0, run.err);
  t.notOk('body' in (await api('GET', '/v1/projects/shop/collections/posts/records', undefined, shop)).body.items[0]);
});

t.test('an import is atomic: a failing part leaves everything as it was', async (t) => {
  const before = (await api('GET', '/v1/projects/shop/schema', undefined, shop)).body;
  const bad = { ...before, collections: [...before.collections, { name: 'extra', fields: [{ name: 'a', type: 'text' }] }], buckets: [{ name: 'media', public: false, maxSize: null, allowedTypes: null, rules: { read: 'nonsense ===', write: null } }] };
  writeFileSync(join(tmp.path, 'bad.json'), JSON.stringify(bad));
  const run = await cli(['collections', 'import', 'bad.json', '--project', 'shop', '--yes', ...admin]);
  t.equal(run.code, 1);
  t.match(run.err, /^error: .*rule/);
  t.same((await api('GET', '/v1/projects/shop/schema', undefined, shop)).body, before, 'no collection was added, no bucket changed');
  const res = await api('PUT', '/v1/projects/shop/schema', { ...before, collections: [] }, shop);
  t.match(res, { status: 409, body: { error: { code: 'would_drop_data', details: { diff: { collections: { removed: ['authors', 'posts'] } } } } } }, 'the API asks for allowDrop');
  t.match(await cli(['collections', 'import', '--help']), { code: 0, out: /^Usage: baas collections import \[options\] <file>/ });
});
