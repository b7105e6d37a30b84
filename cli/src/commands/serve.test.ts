import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDatabase, postgresUrl, tempDir } from '@baas/testkit';
import { cliEnv, runBaas, startServe } from '../../test/helpers.ts';

// `baas serve` and `baas init` as real processes: the ways an operator could
// serve an empty instance by mistake, and the config errors they see instead.
const tmp = tempDir('baas-cli-serve-');
t.teardown(() => tmp.remove());
const env = cliEnv(tmp.path);
const baas = (args: string[], extra: Record<string, string> = {}) => runBaas(args, { cwd: tmp.path, env: { ...env, ...extra } });

t.test('serve refuses a data directory without an instance, naming it; --init creates it there', async (t) => {
  const init = await baas(['init', 'site', '--json', '--admin-password', 'a long enough password']);
  t.equal(init.code, 0, init.stderr);
  const typo = join(tmp.path, 'site', 'dtaa');
  let run = await baas(['serve', '--dir', 'site', '--port', '0'], { BAAS_DATA_DIR: typo });
  t.equal(run.code, 1);
  t.equal(run.stderr, `error: no baas instance in ${typo} (check dataDir/databaseUrl in baas.json and BAAS_DATA_DIR/BAAS_DATABASE_URL): create one with \`baas init\`, or \`baas serve --init\` to create it there\n`);
  run = await baas(['serve', '--dir', 'nowhere', '--port', '0']);
  t.match(run, { code: 1, stderr: /^error: no baas instance in \S+\/nowhere\/data \(there is no baas\.json in \S+\/nowhere either\)/ });

  const server = await startServe(['--dir', 'site', '--port', '0', '--init', '--admin-password', 'another long password'], { cwd: tmp.path, env: { ...env, BAAS_DATA_DIR: typo } });
  t.match(JSON.parse(server.stderr().trim().split('\n').pop()!), { init: { project: { id: 'app' }, secretKey: /^sk_/ } }, '--init created the instance in the directory named');
  t.equal(await server.stop(), 0);
  const again = await startServe(['--dir', 'site', '--port', '0'], { cwd: tmp.path, env: { ...env, BAAS_DATA_DIR: typo } });
  t.equal(await again.stop(), 0, 'and serves it from then on');
});

t.test('a bad setting stops serve with its name, source and what is allowed', async (t) => {
  let run = await baas(['serve', '--dir', 'site'], { BAAS_PORT: '99999' });
  t.equal(run.code, 1);
  t.equal(run.stderr, `error: config 'port' (env BAAS_PORT) must be an integer from 0 to 65535 (0 = any free port); got "99999"\n`);
  const file = join(tmp.path, 'site', 'baas.json');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(good), corsOrigins: 42, rateLimits: 'no' }));
  run = await baas(['serve', '--dir', 'site'], { BAAS_RATE_LIMITS: 'perhaps' });
  t.equal(run.code, 1);
  t.match(run.stderr, /^error: config 'corsOrigins' \(in \S+baas\.json\) must be [^\n]+; got 42; config 'rateLimits' \(env BAAS_RATE_LIMITS\) must be true or false \(also yes\/no, on\/off, 1\/0\); got "perhaps"\n$/);
  writeFileSync(file, good);
});

const pg = postgresUrl();
t.test('init under BAAS_DATABASE_URL records it, so serve opens the same store', { skip: pg ? false : 'no PostgreSQL (BAAS_TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTempDatabase(pg!);
  t.teardown(() => database.drop());
  const run = await baas(['init', 'pg', '--json', '--project', 'shop'], { BAAS_DATABASE_URL: database.url });
  t.equal(run.code, 0, run.stderr);
  t.equal(JSON.parse(readFileSync(join(tmp.path, 'pg/baas.json'), 'utf8')).databaseUrl, '${BAAS_DATABASE_URL}', 'a reference: no password in the file');

  const without = await baas(['serve', '--dir', 'pg', '--port', '0']);
  t.equal(without.code, 1, 'no silent empty SQLite instance');
  t.match(without.stderr, /^error: config 'databaseUrl' \(in \S+pg\/baas\.json\) is read from env BAAS_DATABASE_URL, which is not set\n$/);

  const again = await baas(['init', 'pg2'], { BAAS_DATABASE_URL: database.url });
  t.match(again, { code: 1, stderr: /already holds a baas instance: serve it with `baas serve`/ }, 'a second init on the same database refuses');

  const server = await startServe(['--dir', 'pg', '--port', '0'], { cwd: tmp.path, env: { ...env, BAAS_DATABASE_URL: database.url } });
  t.teardown(() => server.stop());
  const { secretKey } = JSON.parse(run.stdout);
  const res = await fetch(`${server.url}/v1/projects/shop/collections`, { headers: { authorization: `Bearer ${secretKey}` } });
  t.equal(res.status, 200, 'the project made by init is there');
});
