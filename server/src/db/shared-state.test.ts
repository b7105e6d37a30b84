import t from 'tap';
import { tempDir } from '@baas/testkit';
import { SqliteStores } from './instance.ts';
import { bumpVersion, StoreState } from './shared-state.ts';

// The fallback when a bus message is lost: a cached value is re-validated against the
// version row at most every checkMs, so a change nobody announced is seen within that.
t.test('a version bumped without a message is seen at the next check, not before', async (t) => {
  const dir = tempDir();
  const stores = new SqliteStores(dir.path);
  t.teardown(async () => {
    await stores.close();
    dir.remove();
  });
  const db = await stores.openProject('p');
  const state = new StoreState(db, 100);
  let loads = 0;
  const load = async () => ++loads;
  t.equal(await state.get('collections', db, load), 1, 'first load');
  t.equal(await state.get('collections', db, load), 1, 'cached');
  // Another process's change: the row moves, no message reaches this state.
  await db.transaction((tx) => bumpVersion(tx, 'collections'));
  t.equal(await state.get('collections', db, load), 1, 'still cached within checkMs');
  await new Promise((r) => setTimeout(r, 120));
  t.equal(await state.get('collections', db, load), 2, 'reloaded after checkMs');
  t.equal(await state.get('collections', db, load), 2, 'and cached again');
  state.heard('collections', await db.transaction((tx) => bumpVersion(tx, 'collections')));
  t.equal(await state.get('collections', db, load), 3, 'a version heard of (bus) reloads at once');
  const inTx = await db.transaction((tx) => state.get('collections', tx, load));
  t.equal(inTx, 3, 'inside a transaction the cache is used when current');
});
