/** Covers services/auth/session-cache.ts: bounds, expiry, races with invalidation, and which identity events drop which entries. */
import t from 'tap';
import { CommitFeed, LocalBus } from '../../db/bus.ts';
import type { StoreFactory } from '../../db/instance.ts';
import type { ProjectHandle, ProjectRegistry } from '../../db/registry.ts';
import { SessionCache, watchSessions } from './session-cache.ts';

const project = (id: string) => ({ id }) as ProjectHandle;
const identity = (userId: string, sessionId: string) => ({
  user: { id: userId, email: null, verified: false, anonymous: false, role: null, data: {} },
  sessionId,
});
const later = () => Date.now() + 60_000;

t.test('a token is kept until the earliest of its expiry and the TTL, for the handle it was read through', async (t) => {
  const cache = new SessionCache(60_000);
  const app = project('app');
  cache.set(cache.begin(), app, 'tok', identity('u1', 's1'), later());
  t.match(cache.get(app, 'tok'), { sessionId: 's1', user: { id: 'u1' } });
  t.equal(cache.get(project('app'), 'tok'), undefined, 'another handle of the same id (deleted, created again) misses');
  cache.set(cache.begin(), app, 'old', identity('u1', 's1'), Date.now() - 1);
  t.equal(cache.get(app, 'old'), undefined, 'an expired token is not served');

  const short = new SessionCache(30);
  short.set(short.begin(), app, 'tok', identity('u1', 's1'), later());
  t.ok(short.get(app, 'tok'), 'within the TTL');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(short.get(app, 'tok'), undefined, 'gone after the TTL, whatever the token says');
});

t.test('bounded: the least recently used token goes first', async (t) => {
  const cache = new SessionCache(60_000, 4);
  const app = project('app');
  for (const tok of ['a', 'b', 'c', 'd']) cache.set(cache.begin(), app, tok, identity(`u-${tok}`, `s-${tok}`), later());
  t.ok(cache.get(app, 'a'), 'a used (it was in the older half): b is now the oldest');
  cache.set(cache.begin(), app, 'e', identity('u-e', 's-e'), later());
  t.equal(cache.size, 4);
  t.equal(cache.get(app, 'b'), undefined, 'b evicted');
  for (const tok of ['a', 'c', 'd', 'e']) t.ok(cache.get(app, tok), `${tok} kept`);
});

t.test('a read that an invalidation overtook is not stored', async (t) => {
  const cache = new SessionCache(60_000);
  const app = project('app');
  const generation = cache.begin();
  // The session is revoked (any user's: the cache cannot know which read it races) while the read runs.
  cache.invalidate({ kind: 'session_ended', project: 'app', userId: 'someone', sessionId: 'x' });
  cache.set(generation, app, 'tok', identity('u1', 's1'), later());
  t.equal(cache.get(app, 'tok'), undefined, 'what the read found may predate the revocation');
  cache.set(cache.begin(), app, 'tok', identity('u1', 's1'), later());
  t.ok(cache.get(app, 'tok'), 'a read begun after it is stored');
});

t.test('identity events drop exactly the entries they name', async (t) => {
  const cache = new SessionCache(60_000);
  const app = project('app');
  const other = project('other');
  const fill = () => {
    cache.clear();
    cache.set(cache.begin(), app, 'u1-s1', identity('u1', 's1'), later());
    cache.set(cache.begin(), app, 'u1-s2', identity('u1', 's2'), later());
    cache.set(cache.begin(), app, 'u2-s3', identity('u2', 's3'), later());
    cache.set(cache.begin(), other, 'other-u1', identity('u1', 's9'), later());
  };
  const kept = () => ['u1-s1', 'u1-s2', 'u2-s3'].filter((tok) => cache.get(app, tok)).concat(cache.get(other, 'other-u1') ? ['other-u1'] : []);

  fill();
  cache.invalidate({ kind: 'session_ended', project: 'app', userId: 'u1', sessionId: 's1' });
  t.same(kept(), ['u1-s2', 'u2-s3', 'other-u1'], 'session_ended: that session only');
  fill();
  cache.invalidate({ kind: 'user_removed', project: 'app', userId: 'u1', reason: 'disabled' });
  t.same(kept(), ['u2-s3', 'other-u1'], 'user_removed: every session of the user, in that project only');
  fill();
  cache.invalidate({ kind: 'user_changed', project: 'app', userId: 'u2' });
  t.same(kept(), ['u1-s1', 'u1-s2', 'other-u1'], 'user_changed: the user is read again');
  fill();
  cache.invalidate({ kind: 'key_revoked', project: 'app', keyId: 'k' });
  cache.invalidate({ kind: 'admin_session_ended', adminId: 'a' });
  t.same(kept(), ['u1-s1', 'u1-s2', 'u2-s3', 'other-u1'], 'key and admin events: nothing of users');
  fill();
  cache.invalidate(undefined);
  t.same(kept(), [], 'the bus may have lost messages: everything');
  fill();
  cache.dropProject('app');
  t.same(kept(), ['other-u1'], 'a project gone: its entries');
});

t.test('watchSessions: own commits, the bus, its resets and gone projects reach the cache', async (t) => {
  const cache = new SessionCache(60_000);
  const committed = new CommitFeed();
  const bus = new LocalBus();
  let gone: ((id: string) => void) | undefined;
  const stores = { committed, bus } as unknown as StoreFactory;
  const registry = { onGone: (listener: (id: string) => void) => ((gone = listener), () => (gone = undefined)) } as unknown as ProjectRegistry;
  const stop = watchSessions(cache, stores, registry);
  const app = project('app');
  const fill = () => cache.set(cache.begin(), app, 'tok', identity('u1', 's1'), later());

  fill();
  committed.emit('identity', JSON.stringify({ kind: 'session_ended', project: 'app', userId: 'u1', sessionId: 's1' }));
  t.equal(cache.get(app, 'tok'), undefined, 'a commit of this process: synchronously');
  fill();
  bus.emit('identity', JSON.stringify({ kind: 'user_removed', project: 'app', userId: 'u1', reason: 'deleted' }));
  t.equal(cache.get(app, 'tok'), undefined, 'a message of another process');
  fill();
  bus.reset();
  t.equal(cache.get(app, 'tok'), undefined, 'a bus reset (reconnected): everything');
  fill();
  gone!('app');
  t.equal(cache.get(app, 'tok'), undefined, 'a project gone');
  stop();
  t.equal(gone, undefined, 'unsubscribed');
});
