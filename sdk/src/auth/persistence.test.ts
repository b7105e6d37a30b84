import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../node/index.ts';
import { localStorageStore, memoryStore } from './stores.ts';
import { PASSWORD, recorder, setup } from '../../test/auth.ts';

const { url, client } = await setup((fn) => t.teardown(fn));
const key = `baas.session:${url}:app`;

t.test('a new client with the same store restores the session', async (t) => {
  const store = memoryStore();
  const first = client({ auth: { store } });
  const { user, session } = await first.auth.signUp({ email: 'pat@example.com', password: PASSWORD });
  t.match(JSON.parse(store.get(key) as string), { user: { id: user.id }, session });

  const second = client({ auth: { store } });
  const seen = recorder(second);
  await second.auth.ready;
  t.equal(second.auth.user?.id, user.id);
  t.equal(await second.auth.accessToken(), session.accessToken);
  t.equal((await second.auth.getUser()).id, user.id, 'the restored session works');
  t.same(seen, ['initial_session:pat@example.com']);

  await second.auth.signOut();
  t.equal(store.get(key), null);
  const third = client({ auth: { store } });
  await third.auth.ready;
  t.equal(third.auth.user, null);

  store.set(key, '{not json');
  const broken = client({ auth: { store } });
  await broken.auth.ready;
  t.equal(broken.auth.user, null, 'an unreadable stored value is no session');
  const failing = client({ auth: { store: { get: () => Promise.reject(new Error('locked')), set() {}, remove() {} } } });
  await failing.auth.ready;
  t.equal(failing.auth.user, null, 'a store that fails to load starts signed out');
});

t.test('fileStore: 0600, atomic replace, restores in a new client, removed on sign-out', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'baas-sdk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'session.json');
  const store = fileStore(path);
  t.equal(await store.get(key), null, 'no file: no session');

  const c = client({ auth: { store } });
  const { user } = await c.auth.signUp({ email: 'fil@example.com', password: PASSWORD });
  t.equal(statSync(path).mode & 0o777, 0o600, 'only the owner may read it');
  t.equal(JSON.parse(JSON.parse(readFileSync(path, 'utf8'))[key]).user.id, user.id);

  const restored = client({ auth: { store: fileStore(path) } });
  await restored.auth.ready;
  t.equal(restored.auth.user?.id, user.id, 'a new process would find the session');
  await restored.auth.refresh();
  t.equal(statSync(path).mode & 0o777, 0o600, 'still 0600 after a rewrite');

  // other keys (another project) share the file; a burst of writes keeps every one of them
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.set(`other-${i}`, String(i))));
  t.equal(await store.get('other-9'), '9');
  t.same(Object.keys(JSON.parse(readFileSync(path, 'utf8'))).length, 11);
  t.same(readFileSync(path, 'utf8').includes('.tmp'), false);
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.remove(`other-${i}`)));
  await restored.auth.signOut();
  t.notOk(existsSync(path), 'the last session gone, the file is too');
  t.same(readdirSync(join(dir, 'nested')), [], 'no temporary file left behind');

  writeFileSync(path, 'garbage');
  t.equal(await fileStore(path).get(key), null, 'a damaged file holds no session');
  await fileStore(path).set(key, 'x');
  t.equal(await fileStore(path).get(key), 'x', 'and the next write replaces it');
});

t.test('tabs follow each other through localStorage (storage events)', async (t) => {
  // Node has neither localStorage nor window events: a Storage and an event target stand in for the browser's.
  const values = new Map<string, string>();
  const storage = {
    getItem: (k: string) => values.get(k) ?? null,
    setItem: (k: string, v: string) => void values.set(k, v),
    removeItem: (k: string) => void values.delete(k),
  } as Storage;
  const target = new EventTarget();
  const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  g.addEventListener = target.addEventListener.bind(target);
  g.removeEventListener = target.removeEventListener.bind(target);
  t.teardown(() => {
    delete g.addEventListener;
    delete g.removeEventListener;
  });
  /** What the browser does in every other tab after a write to localStorage. */
  const otherTabsSee = (k: string | null) => target.dispatchEvent(Object.assign(new Event('storage'), { key: k, storageArea: storage }));

  const a = client({ auth: { store: localStorageStore(storage) } });
  const b = client({ auth: { store: localStorageStore(storage) } });
  await b.auth.ready;
  const seen = recorder(b);
  await a.auth.signUp({ email: 'tabby@example.com', password: PASSWORD });
  otherTabsSee(key);
  otherTabsSee('some.other.key');
  await a.auth.refresh();
  otherTabsSee(key);
  await a.auth.updateUser({ data: { n: 1 } });
  otherTabsSee(key);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(b.auth.session?.session.accessToken, a.auth.session?.session.accessToken);
  t.same(b.auth.user?.data, { n: 1 });
  await a.auth.signOut();
  otherTabsSee(null); // as after localStorage.clear()
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(b.auth.user, null);
  t.same(seen, ['initial_session:-', 'signed_in:tabby@example.com', 'token_refreshed:tabby@example.com', 'user_updated:tabby@example.com', 'signed_out:-']);

  b.close();
  await a.auth.signIn({ email: 'tabby@example.com', password: PASSWORD });
  otherTabsSee(key);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(b.auth.user, null, 'a closed client stops following');
});
