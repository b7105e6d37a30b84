/** Covers services/storage/rules.ts and signing.ts through the object routes. */
import t from 'tap';
import { forEachEngine, type TestInstance } from '../../../../../test/harness.ts';
import { codeOf, signUp } from '../../../../../test/auth.ts';

// Covers services/storage/objects.ts, rules.ts and signing.ts: listings page
// over what the caller may read, signed URLs open the object (and do the
// write) their signer could, and bucket rules can express per-user folders.

async function bucket(api: TestInstance, body: Record<string, unknown>): Promise<void> {
  const res = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body });
  if (res.status !== 201) throw new Error(`bucket: ${res.status} ${JSON.stringify(res.body)}`);
}

const put = (api: TestInstance, path: string, body: string, token?: string, type = 'text/plain', query = '') =>
  api.request('PUT', api.p(`/storage/buckets/${path}${query}`), { token, body, headers: { 'content-type': type } });
const get = (api: TestInstance, path: string, token?: string) => api.request('GET', api.p(`/storage/buckets/${path}`), { token });
const sign = (api: TestInstance, bucketName: string, token: string | undefined, body: Record<string, unknown>) =>
  api.request('POST', api.p(`/storage/buckets/${bucketName}/sign`), { token, body });
const withToken = (url: string) => `?token=${encodeURIComponent(new URL(url).searchParams.get('token')!)}`;

forEachEngine(t, 'a listing pages only over objects the caller may read: no cursor names a hidden path', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  await bucket(api, { name: 'shared', rules: { read: 'auth.id != null && object.owner = auth.id', write: 'auth.id != null' } });
  // Ann's three files sit between long runs of Bob's, more than any scan budget would cover.
  const annPaths = ['f/10-ann', 'f/50-ann', 'f/90-ann'];
  for (const path of annPaths) t.equal((await put(api, `shared/objects/${path}`, 'a', ann.session.accessToken)).status, 200);
  for (let i = 0; i < 120; i++) await put(api, `shared/objects/f/${String(i).padStart(2, '0')}-bob-${i}`, 'b', bob.session.accessToken);

  for (const limit of [1, 2, 5]) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?prefix=f/&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await get(api, `shared/objects${query}`, ann.session.accessToken);
      t.equal(res.status, 200);
      for (const item of res.body.items) seen.push(item.path);
      cursor = res.body.nextCursor;
      if (cursor !== null) t.ok(annPaths.includes(cursor), `limit ${limit}: the cursor ${cursor} is one of Ann's paths`);
      t.ok(++pages <= annPaths.length + 1, 'and the walk ends');
    } while (cursor !== null);
    t.same(seen, annPaths, `limit ${limit}: exactly Ann's objects, in order`);
  }
  const bobs = await get(api, 'shared/objects?prefix=f/&limit=1000', bob.session.accessToken);
  t.equal(bobs.body.items.length, 120);
  t.notOk(bobs.body.items.some((o: any) => o.owner === ann.user.id), 'none of Ann\'s');
  t.equal((await get(api, 'shared/objects?prefix=f/')).body.items.length, 0, 'a guest sees nothing');
});

forEachEngine(t, 'a signed read URL opens the object it was signed for, not whatever is later stored at its path', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const mine = 'auth.id != null && object.owner = auth.id';
  await bucket(api, { name: 'box', rules: { read: mine, write: `auth.id != null && (object.owner = null || ${mine})` } });
  await put(api, 'box/objects/shared/report.txt', 'ann report', ann.session.accessToken);
  const signed = await sign(api, 'box', ann.session.accessToken, { path: 'shared/report.txt', expiresIn: 600 });
  t.equal(signed.status, 200);
  const link = `box/objects/shared/report.txt${withToken(signed.body.url)}`;
  t.equal((await get(api, link)).body, 'ann report', 'the URL opens Ann\'s object');

  t.equal((await api.request('DELETE', api.p('/storage/buckets/box/objects/shared/report.txt'), { token: ann.session.accessToken })).status, 204);
  t.equal((await put(api, 'box/objects/shared/report.txt', 'bob private', bob.session.accessToken)).status, 200);
  const stale = await get(api, link);
  t.equal(stale.status, 403, 'the old URL does not open Bob\'s object');
  t.equal(codeOf(stale), 'forbidden');
  t.notMatch(JSON.stringify(stale.body), /bob private/);

  // Replacing one's own object is a new version too: its old URLs stop.
  await put(api, 'box/objects/mine.txt', 'v1', ann.session.accessToken);
  const v1 = `box/objects/mine.txt${withToken((await sign(api, 'box', ann.session.accessToken, { path: 'mine.txt' })).body.url)}`;
  t.equal((await get(api, v1)).body, 'v1');
  await put(api, 'box/objects/mine.txt', 'v2', ann.session.accessToken, 'text/plain', '?upsert=true');
  t.equal((await get(api, v1)).status, 403, 'a URL of the replaced version');
  t.equal((await get(api, 'box/objects/nothing.txt?token=1.cA.' + 'x'.repeat(43))).status, 403, 'a token for no object');
});

forEachEngine(t, 'a signed write URL is judged as its signer, with the real content type and size of the upload', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  await bucket(api, { name: 'up', rules: { read: '', write: "auth.id != null && object.contentType != 'text/html' && (object.size = null || object.size < 10)" } });
  const signed = await sign(api, 'up', ann.session.accessToken, { path: 'page', action: 'write', expiresIn: 600 });
  t.equal(signed.status, 200, 'signing is allowed: the type is not known yet');
  const query = withToken(signed.body.url);
  let res = await put(api, 'up/objects/page', '<script>x</script>', undefined, 'text/html', query);
  t.equal(res.status, 403, 'text/html through the URL is refused, as it is to Ann herself');
  t.equal((await put(api, 'up/objects/page', '<b>', ann.session.accessToken, 'text/html')).status, 403);
  res = await put(api, 'up/objects/page', 'x'.repeat(20), undefined, 'text/plain', query);
  t.equal(res.status, 403, 'too large for the rule');
  const form = new FormData();
  form.append('file', new Blob(['<i>'], { type: 'text/html' }), 'x.html');
  const multipart = new Request('http://x/', { method: 'POST', body: form });
  res = await api.request('POST', api.p(`/storage/buckets/up/objects/page${query}`), {
    body: Buffer.from(await multipart.arrayBuffer()),
    headers: { 'content-type': multipart.headers.get('content-type')! },
  });
  t.equal(res.status, 403, 'a multipart text/html part is refused too');
  res = await put(api, 'up/objects/page', 'hello', undefined, 'text/plain', query);
  t.equal(res.status, 200);
  t.equal(res.body.owner, ann.user.id, 'the signer owns what the URL stored');
  t.equal((await get(api, 'up/objects/page')).body, 'hello');

  // A rule that needs the type: say it when signing; the upload is still judged with its real type.
  await bucket(api, { name: 'pics', rules: { read: '', write: "auth.id != null && object.contentType = 'image/png'" } });
  t.equal((await sign(api, 'pics', ann.session.accessToken, { path: 'a.png', action: 'write' })).status, 403);
  const png = await sign(api, 'pics', ann.session.accessToken, { path: 'a.png', action: 'write', contentType: 'image/png' });
  t.equal(png.status, 200);
  t.equal((await put(api, 'pics/objects/a.png', 'not a png', undefined, 'text/plain', withToken(png.body.url))).status, 403);
  t.equal((await put(api, 'pics/objects/a.png', 'png bytes', undefined, 'image/png', withToken(png.body.url))).status, 200);

  // The URL acts as its signer now: a disabled signer's URLs stop working.
  const later = await sign(api, 'up', ann.session.accessToken, { path: 'later', action: 'write' });
  await api.request('PATCH', api.p(`/users/${ann.user.id}`), { token: api.secret, body: { disabled: true } });
  t.equal((await put(api, 'up/objects/later', 'x', undefined, 'text/plain', withToken(later.body.url))).status, 403);
});

forEachEngine(t, 'bucket rules express per-user folders with segment(object.path, n)', async (t, api) => {
  const ann = await signUp(api, 'ann@example.com');
  const bob = await signUp(api, 'bob@example.com');
  const folder = 'auth.id != null && segment(object.path, 0) = auth.id';
  await bucket(api, { name: 'homes', rules: { read: folder, write: folder } });
  const annFile = `homes/objects/${ann.user.id}/avatar.png`;
  t.equal((await put(api, annFile, 'bob squats', bob.session.accessToken, 'image/png')).status, 403, 'Bob cannot create in Ann\'s folder');
  t.equal((await put(api, `homes/objects/${ann.user.id}x/avatar.png`, 'b', bob.session.accessToken)).status, 403, 'nor in a lookalike');
  t.equal((await put(api, annFile, 'ann', ann.session.accessToken, 'image/png')).status, 200, 'Ann can');
  t.equal((await put(api, `homes/objects/${ann.user.id}`, 'a', ann.session.accessToken)).status, 200, 'the folder name alone is its first segment');
  t.equal((await get(api, annFile, bob.session.accessToken)).status, 404, 'Bob cannot read it');
  t.equal((await get(api, annFile, ann.session.accessToken)).body, 'ann');
  t.equal((await sign(api, 'homes', bob.session.accessToken, { path: `${ann.user.id}/x`, action: 'write' })).status, 403, 'nor sign a URL into it');
  const list = await get(api, `homes/objects?prefix=${ann.user.id}/`, bob.session.accessToken);
  t.same(list.body, { items: [], nextCursor: null });
  const mineListed = await get(api, 'homes/objects', ann.session.accessToken);
  t.same(mineListed.body.items.map((o: any) => o.path), [ann.user.id, `${ann.user.id}/avatar.png`], 'listed through the same rule, in SQL');
  const bad = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body: { name: 'bad', rules: { read: 'segment(object.path, auth.id) = 1' } } });
  t.equal(bad.status, 400);
  t.equal(codeOf(bad), 'invalid_rule');
});
