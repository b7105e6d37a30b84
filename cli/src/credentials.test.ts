import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@baas/testkit';
import { credentialsPath, forgetSession, storeSession, storedSession } from './credentials.ts';

t.test('where the file lives', async (t) => {
  t.equal(credentialsPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/baas/credentials.json');
  t.equal(credentialsPath({ HOME: '/h' }), '/h/.config/baas/credentials.json');
});

t.test('store, read (per URL, trailing slash ignored), expire, forget', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const env = { XDG_CONFIG_HOME: dir.path };
  const later = new Date(Date.now() + 60_000).toISOString();
  const path = storeSession(env, 'http://a:1/', { token: 'adm_a', email: 'a@example.com', expiresAt: later });
  storeSession(env, 'http://b:2', { token: 'adm_b', email: 'b@example.com', expiresAt: new Date(Date.now() - 1000).toISOString() });
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.equal(statSync(join(dir.path, 'baas')).mode & 0o777, 0o700);
  t.equal(storedSession(env, 'http://a:1')?.token, 'adm_a');
  t.equal(storedSession(env, 'http://b:2'), undefined, 'an expired session is not used');
  t.equal(storedSession(env, 'http://c:3'), undefined);
  t.same(Object.keys(JSON.parse(readFileSync(path, 'utf8')).servers), ['http://a:1', 'http://b:2']);
  t.equal(forgetSession(env, 'http://a:1'), true);
  t.equal(forgetSession(env, 'http://a:1'), false);
  t.equal(storedSession(env, 'http://a:1'), undefined);

  writeFileSync(path, '{nope');
  t.throws(() => storedSession(env, 'http://a:1'), /credentials\.json is not valid JSON/);
});
