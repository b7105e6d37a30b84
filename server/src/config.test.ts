import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@baas/testkit';
import { ConfigError, defaultConfig, envNames, loadConfig } from './config.ts';

const tmp = tempDir('baas-config-');
t.teardown(() => tmp.remove());
const file = join(tmp.path, 'baas.json');

/** Loads a config from this baas.json content and env. */
function load(json: Record<string, unknown>, env: Record<string, string> = {}) {
  writeFileSync(file, JSON.stringify(json));
  return loadConfig({ file, env });
}

t.test('every bad value is refused with the setting, its source and what is allowed', async (t) => {
  const cases: Array<{ name: string; json?: Record<string, unknown>; env?: Record<string, string>; message: string }> = [
    { name: 'a word that is not a boolean (env)', env: { BAAS_RATE_LIMITS: 'maybe' }, message: `config 'rateLimits' (env BAAS_RATE_LIMITS) must be true or false (also yes/no, on/off, 1/0); got "maybe"` },
    { name: 'a word that is not a boolean (file)', json: { rateLimits: 'sometimes' }, message: `config 'rateLimits' (in ${file}) must be true or false (also yes/no, on/off, 1/0); got "sometimes"` },
    { name: 'corsOrigins of the wrong type', json: { corsOrigins: 42 }, message: `config 'corsOrigins' (in ${file}) must be '*' (any origin), origins separated by commas (e.g. https://app.example.com,http://localhost:5173), or '' for none; got 42` },
    { name: 'corsOrigins with a path', env: { BAAS_CORS_ORIGINS: 'https://app.example.com/login' }, message: `config 'corsOrigins' (env BAAS_CORS_ORIGINS) must be` },
    { name: 'a port out of range', env: { BAAS_PORT: '99999' }, message: `config 'port' (env BAAS_PORT) must be an integer from 0 to 65535 (0 = any free port); got "99999"` },
    { name: 'a port that is not a number', json: { port: 'eighty' }, message: `config 'port' (in ${file}) must be an integer from 0 to 65535 (0 = any free port); got "eighty"` },
    { name: 'a fractional port', json: { port: 80.5 }, message: `config 'port' (in ${file}) must be an integer` },
    { name: 'a number for dataDir', json: { dataDir: 5 }, message: `config 'dataDir' (in ${file}) must be a directory path (a string); got 5` },
    { name: 'an unknown log level', env: { BAAS_LOG_LEVEL: 'loud' }, message: `config 'logLevel' (env BAAS_LOG_LEVEL) must be one of fatal, error, warn, info, debug, trace, silent; got "loud"` },
    { name: 'a database URL of another kind', env: { BAAS_DATABASE_URL: 'mysql://db/baas' }, message: `config 'databaseUrl' (env BAAS_DATABASE_URL) must be a postgres:// URL; got "mysql://db/baas"` },
    { name: 'a body limit of 0', json: { bodyLimit: 0 }, message: `config 'bodyLimit' (in ${file}) must be a number of bytes (an integer of at least 1); got 0` },
    { name: 'a negative session TTL', env: { BAAS_ADMIN_SESSION_TTL: '-5' }, message: `config 'adminSessionTtl' (env BAAS_ADMIN_SESSION_TTL) must be a number of seconds` },
    { name: 'trustProxy that is no address', env: { BAAS_TRUST_PROXY: 'my-proxy' }, message: `config 'trustProxy' (env BAAS_TRUST_PROXY) must be true or false (also yes/no, on/off, 1/0), or proxy addresses/CIDRs` },
    { name: 'a public URL that is no URL', json: { publicUrl: 'baas.example.com' }, message: `config 'publicUrl' (in ${file}) must be an http(s):// URL; got "baas.example.com"` },
    { name: 'an SMTP URL of another scheme', env: { BAAS_SMTP_URL: 'http://mail' }, message: `config 'smtpUrl' (env BAAS_SMTP_URL) must be an smtp:// or smtps:// URL` },
    { name: 'an unknown storage driver', json: { storageDriver: 'ftp' }, message: `config 'storageDriver' (in ${file}) must be fs or s3; got "ftp"` },
    { name: 's3 without a bucket', json: { storageDriver: 's3' }, message: `config 's3Bucket' (env BAAS_S3_BUCKET) is required when storageDriver is 's3'` },
    { name: 'a bad path-style boolean', env: { BAAS_S3_FORCE_PATH_STYLE: 'perhaps' }, message: `config 's3ForcePathStyle' (env BAAS_S3_FORCE_PATH_STYLE) must be true or false` },
    { name: 'a heartbeat of 0', json: { realtimeHeartbeatSeconds: 0 }, message: `config 'realtimeHeartbeatSeconds' (in ${file}) must be a number of seconds (an integer of at least 1); got 0` },
    { name: 'a cron expression that is not one', env: { BAAS_BACKUP_SCHEDULE: 'every night' }, message: `config 'backupSchedule' (env BAAS_BACKUP_SCHEDULE) must be a cron expression, e.g. '0 3 * * *' (every day at 03:00); got "every night"` },
    { name: 'keeping no backups', json: { backupKeep: 0 }, message: `config 'backupKeep' (in ${file}) must be how many scheduled backups to keep (an integer from 1 to 10000); got 0` },
    { name: 'an unknown key', json: { prot: 8080 }, message: `unknown config key 'prot' in ${file}` },
    // A key of Object.prototype is unknown too, not a setting found by `in`.
    { name: 'a prototype key', json: { constructor: 1 }, message: `unknown config key 'constructor' in ${file}` },
  ];
  for (const c of cases) {
    const err = t.throws(() => load(c.json ?? {}, c.env), c.name) as Error;
    t.ok(err instanceof ConfigError, `${c.name}: a ConfigError`);
    t.ok(err.message.startsWith(c.message), `${c.name}: ${err.message}`);
  }
});

t.test('every problem at once, one line each; env wins over the file and is the source named', async (t) => {
  const err = t.throws(() => load({ port: 8080, dataDir: 5, rateLimits: 'no' }, { BAAS_PORT: 'x', BAAS_LOG_LEVEL: 'loud' })) as Error;
  const lines = err.message.split('\n');
  t.equal(lines.length, 3, err.message);
  t.match(lines[0], /^config 'dataDir' \(in .*baas\.json\)/);
  t.match(lines[1], /^config 'port' \(env BAAS_PORT\)/);
  t.match(lines[2], /^config 'logLevel' \(env BAAS_LOG_LEVEL\)/);
});

t.test('booleans accept the usual words from either source', async (t) => {
  const words: Array<[string, boolean]> = [['off', false], ['no', false], ['0', false], ['FALSE', false], ['disabled', false], ['on', true], ['yes', true], ['1', true], ['True', true]];
  for (const [word, value] of words) {
    t.equal(load({}, { BAAS_RATE_LIMITS: word }).rateLimits, value, `env ${word}`);
    t.equal(load({ rateLimits: word }).rateLimits, value, `file "${word}"`);
  }
  t.equal(load({ rateLimits: false }).rateLimits, false);
  t.equal(load({}, { BAAS_TRUST_PROXY: 'yes' }).trustProxy, true);
  t.equal(load({}, { BAAS_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy, '127.0.0.1,10.0.0.0/8');
});

t.test('good values: defaults, numbers from env strings, paths relative to baas.json', async (t) => {
  const config = load({ dataDir: 'store', corsOrigins: 'https://a.example.com,http://localhost:5173' }, { BAAS_PORT: '9000', BAAS_BACKUP_SCHEDULE: '0 3 * * *' });
  t.equal(config.port, 9000);
  t.equal(config.dataDir, join(tmp.path, 'store'));
  t.equal(config.backupDir, join(tmp.path, 'backups'));
  t.equal(config.backupSchedule, '0 3 * * *');
  t.equal(config.bodyLimit, defaultConfig.bodyLimit);
  t.equal(config.corsOrigins, 'https://a.example.com,http://localhost:5173');
  t.equal(load({ corsOrigins: '' }).corsOrigins, '', "'' turns CORS off");
  t.same(Object.keys(loadConfig({ env: {} })).sort(), Object.keys(defaultConfig).sort(), 'no file: the defaults');
});

t.test("the README's table lists every setting with its variable", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = Object.fromEntries([...readme.matchAll(/^\| `(\w+)` \| `(BAAS_\w+)` \|/gm)].map((m) => [m[1], m[2]]));
  t.same(rows, envNames);
});
