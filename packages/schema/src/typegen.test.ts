import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { normalizeCollection } from './collection.ts';
import { generateTypes, pascalCase } from './typegen.ts';

const root = resolve(import.meta.dirname, '../../..');
const tsc = join(root, 'node_modules/.bin/tsc');

const collections = [
  normalizeCollection({
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'status', type: 'select', values: ['draft', 'live', "it's"], default: 'draft' },
      { name: 'tags', type: 'select', values: ['a', 'b'], multiple: true },
      { name: 'body', type: 'text' },
      { name: 'views', type: 'integer', nullable: false, default: 0 },
      { name: 'score', type: 'number', nullable: false },
      { name: 'meta', type: 'json' },
      { name: 'published', type: 'date' },
      { name: 'author', type: 'relation', collection: 'users', required: true },
      { name: 'comments', type: 'relation', collection: 'comments', multiple: true },
      { name: 'elsewhere', type: 'relation', collection: 'not_described' },
      { name: 'cover', type: 'file', default: 'a*/b' },
    ],
  }),
  normalizeCollection({
    name: 'comments',
    fields: [
      { name: 'text', type: 'text', required: true },
      { name: 'post', type: 'relation', collection: 'posts' },
      { name: 'done', type: 'boolean' },
    ],
  }),
  normalizeCollection({ name: 'post_tags' }),
  normalizeCollection({ name: 'a_b' }),
  normalizeCollection({ name: 'a__b' }),
  normalizeCollection({ name: 'users_' }),
];

const usage = `
import type { CollectionName, CommentsRecord, PostsCreate, PostsExpand, PostsRecord, PostsUpdate, Schema } from './schema.ts';
import type { AB2Record, ABRecord, PostTagsRecord, Users2Record } from './schema.ts';

declare const post: PostsRecord;
export const title: string = post.title;
export const status: 'draft' | 'live' | "it's" | null = post.status;
export const tags: Array<'a' | 'b'> | null = post.tags;
export const views: number = post.views;
export const meta: unknown = post.meta;
export const stamps: [string, string, string] = [post.id, post.created_at, post.updated_at];

export const minimal: PostsCreate = { title: 'x', author: 'u1', score: 1 };
export const full: PostsCreate = { id: 'client-id', title: 'x', author: 'u1', score: 1, body: null, tags: ['a'], views: 3 };
export const patch: PostsUpdate = { body: null, status: 'live' };
export const empty: PostsUpdate = {};

declare const expand: PostsExpand;
export const email: string | null | undefined = expand.author?.email;
export const texts: string[] | undefined = expand.comments?.map((c: CommentsRecord) => c.text);
export const other: unknown = expand.elsewhere?.anything;

declare function getRecord<K extends CollectionName>(name: K): Schema[K]['record'];
export const viaSchema: PostsRecord = getRecord('posts');
export const names: CollectionName[] = ['posts', 'comments', 'post_tags', 'a_b', 'a__b', 'users_'];
export type Distinct = [ABRecord, AB2Record, PostTagsRecord, Users2Record];
export const sums: Array<Schema['posts']['aggregate']['number']> = ['score', 'views'];
export const days: Array<Schema['posts']['aggregate']['date']> = ['created_at', 'updated_at'];
// @ts-expect-error tags are many-valued: they do not group
export const badGroup: Schema['posts']['aggregate']['group'] = 'tags';

// Every line below must stay an error; tsc fails on an unused @ts-expect-error.
// @ts-expect-error a misspelled field
export const bad1: PostsCreate = { title: 'x', author: 'u1', score: 1, titel: 'y' };
// @ts-expect-error a required field is missing
export const bad2: PostsCreate = { author: 'u1', score: 1 };
// @ts-expect-error a non-nullable field without default is missing
export const bad3: PostsCreate = { title: 'x', author: 'u1' };
// @ts-expect-error a select value outside its values
export const bad4: PostsUpdate = { status: 'archived' };
// @ts-expect-error a required field set to null
export const bad5: PostsUpdate = { title: null };
// @ts-expect-error a number given as a string
export const bad6: PostsUpdate = { views: '3' };
// @ts-expect-error no such field on the record
export const bad7 = post.titel;
// @ts-expect-error no such collection
getRecord('postz');
// @ts-expect-error a multiple field takes an array
export const bad8: PostsUpdate = { tags: 'a' };
`;

function compile(dir: string, files: string[]): { status: number | null; output: string } {
  const r = spawnSync(
    tsc,
    ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--allowImportingTsExtensions', ...files.map((f) => join(dir, f))],
    { cwd: dir, encoding: 'utf8' },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

t.test('the generated module compiles and catches mistakes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'baas-typegen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  writeFileSync(join(dir, 'schema.ts'), generateTypes(collections));
  writeFileSync(join(dir, 'usage.ts'), usage);
  const good = compile(dir, ['schema.ts', 'usage.ts']);
  t.equal(good.status, 0, good.output);

  // Belt and braces: without @ts-expect-error, a wrong field name must fail.
  writeFileSync(join(dir, 'wrong.ts'),
    "import type { PostsCreate } from './schema.ts';\nexport const x: PostsCreate = { title: 'x', author: 'u1', score: 1, titel: 'y' };\n");
  const bad = compile(dir, ['schema.ts', 'wrong.ts']);
  t.not(bad.status, 0, 'a misspelled field does not type-check');
  t.match(bad.output, /wrong\.ts.*error TS\d+:.*'titel'/, 'the error names the misspelled field');
});

t.test('output is deterministic and readable', async (t) => {
  const a = generateTypes(collections);
  t.equal(generateTypes([...collections].reverse()), a, 'independent of input order');
  t.match(a, /export interface PostsRecord \{\n {2}id: string;\n {2}title: string;\n/);
  t.match(a, /status: "draft" \| "live" \| "it's" \| null;/);
  t.match(a, /tags: Array<"a" \| "b"> \| null;/);
  t.match(a, /author\?: UsersRecord \| null;/);
  t.match(a, /comments\?: CommentsRecord\[\];/);
  t.match(a, /elsewhere\?: UnknownRecord \| null;/);
  t.match(a, /post_tags: \{ record: PostTagsRecord; create: PostTagsCreate; update: PostTagsUpdate; expand: PostTagsExpand; aggregate: PostTagsAggregateFields \};/);
  t.notMatch(a, /a\*\/b/, 'a default cannot close a doc comment');
  t.ok(a.indexOf('interface ABRecord') < a.indexOf('interface PostsRecord'), 'collections sorted by name');
  t.equal(generateTypes([]).includes('export interface Schema {\n}'), true, 'no collections is fine');
});

t.test('pascalCase', async (t) => {
  const cases: Array<[string, string]> = [['posts', 'Posts'], ['post_tags', 'PostTags'], ['a__b', 'AB'], ['x1_y2', 'X1Y2'], ['users_', 'Users']];
  for (const [input, out] of cases) t.equal(pascalCase(input), out);
});
