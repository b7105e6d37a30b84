/** Covers http/routes/projects/storage/ (objects, buckets, sign), services/storage/ and storage/ (the fs and S3 drivers). */
import t from 'tap';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { forEachStorage, type StorageInstance } from '../../../../../test/storage.ts';
import { signToken } from '../../../../services/storage/signing.ts';

// Every subtest runs on both engines and both blob drivers: on a loaded 2-core machine the file
// takes longer than tap's default 120 s, though no single step is slow.
t.setTimeout(300_000);

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function bucket(api: StorageInstance, body: Record<string, unknown>) {
  const res = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body });
  if (res.status !== 201) throw new Error(`bucket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

function put(api: StorageInstance, path: string, body: string | Buffer | Readable, options: { token?: string; type?: string; headers?: Record<string, string> } = {}) {
  return api.request('PUT', api.p(`/storage/buckets/${path}`), {
    token: options.token,
    body,
    headers: { 'content-type': options.type ?? 'text/plain', ...options.headers },
  });
}

async function rawGet(api: StorageInstance, path: string, headers: Record<string, string> = {}, token?: string) {
  const res = await api.app.inject({ method: 'GET', url: api.p(`/storage/buckets/${path}`), headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload, json: () => res.json() };
}

async function countRows(api: StorageInstance, table: '_objects' | '_object_variants'): Promise<number> {
  const db = (await api.app.baas.registry.get('app'))!.db;
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM ${db.table(table)}`);
  return Number(row!.n);
}

forEachStorage(t, 'upload, download with Range, ETag and 304, HEAD, list, upsert, delete', async (t, api) => {
  const sk = api.secret;
  await bucket(api, { name: 'docs' });
  const up = await put(api, 'docs/objects/notes/hello.txt', 'hello world', { token: sk });
  t.equal(up.status, 200);
  t.match(up.body, { bucket: 'docs', path: 'notes/hello.txt', size: 11, contentType: 'text/plain', sha256: sha('hello world'), owner: null });

  const full = await rawGet(api, 'docs/objects/notes/hello.txt', {}, sk);
  t.equal(full.status, 200);
  t.equal(full.body.toString(), 'hello world');
  t.equal(full.headers.etag, `"${sha('hello world')}"`);
  t.equal(full.headers['accept-ranges'], 'bytes');
  t.equal(full.headers['cache-control'], 'private, max-age=0, must-revalidate');
  t.equal(full.headers['x-content-type-options'], 'nosniff');

  const ranges: Array<[string, number, string, string | undefined]> = [
    ['bytes=0-4', 206, 'hello', 'bytes 0-4/11'],
    ['bytes=6-', 206, 'world', 'bytes 6-10/11'],
    ['bytes=-3', 206, 'rld', 'bytes 8-10/11'],
    ['bytes=6-100', 206, 'world', 'bytes 6-10/11'],
    ['bytes=0-0,2-3', 200, 'hello world', undefined],
    ['items=0-3', 200, 'hello world', undefined],
  ];
  for (const [range, status, body, contentRange] of ranges) {
    const res = await rawGet(api, 'docs/objects/notes/hello.txt', { range }, sk);
    t.equal(res.status, status, range);
    t.equal(res.body.toString(), body, range);
    t.equal(res.headers['content-range'], contentRange, range);
  }
  for (const range of ['bytes=11-', 'bytes=20-30', 'bytes=5-2', 'bytes=abc', 'bytes=-0']) {
    const res = await rawGet(api, 'docs/objects/notes/hello.txt', { range }, sk);
    t.equal(res.status, 416, range);
    t.equal(res.headers['content-range'], 'bytes */11', range);
    t.equal(res.json().error.code, 'range_not_satisfiable');
  }

  const cached = await rawGet(api, 'docs/objects/notes/hello.txt', { 'if-none-match': `W/"x", "${sha('hello world')}"` }, sk);
  t.equal(cached.status, 304);
  t.equal(cached.body.length, 0);
  t.equal((await rawGet(api, 'docs/objects/notes/hello.txt', { 'if-none-match': '"other"' }, sk)).status, 200);

  const head = await api.app.inject({ method: 'HEAD', url: api.p('/storage/buckets/docs/objects/notes/hello.txt'), headers: { authorization: `Bearer ${sk}` } });
  t.equal(head.statusCode, 200);
  t.equal(head.headers['content-length'], '11');
  t.equal(head.headers.etag, `"${sha('hello world')}"`);
  t.equal(head.rawPayload.length, 0);

  // Overwrite only when asked.
  const again = await put(api, 'docs/objects/notes/hello.txt', 'bye', { token: sk });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'conflict');
  t.equal((await put(api, 'docs/objects/notes/hello.txt', 'bye', { token: sk, headers: { 'x-upsert': 'true' } })).body.size, 3);
  t.equal((await api.request('PUT', api.p('/storage/buckets/docs/objects/notes/hello.txt?upsert=true'), { token: sk, body: 'bye!', headers: { 'content-type': 'text/plain' } })).body.size, 4);
  t.equal((await rawGet(api, 'docs/objects/notes/hello.txt', {}, sk)).body.toString(), 'bye!');
  t.equal(api.blobFiles().length, 1, 'replaced blobs are deleted');

  // A body without Content-Type is stored as octet-stream; a JSON body is stored as sent, not parsed.
  const bare = await api.app.inject({ method: 'PUT', url: api.p('/storage/buckets/docs/objects/bare'), payload: 'abc', headers: { authorization: `Bearer ${sk}` } });
  t.equal(bare.json().contentType, 'application/octet-stream');
  const json = await put(api, 'docs/objects/data.json', '{"a": 1}', { token: sk, type: 'application/json' });
  t.equal(json.body.size, 8);

  // Multipart upload, streamed.
  const boundary = 'XyZ';
  const form = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.txt"\r\nContent-Type: text/markdown\r\n\r\n# title\r\n--${boundary}--\r\n`;
  const multi = await api.request('POST', api.p('/storage/buckets/docs/objects/notes/m.md'), { token: sk, body: form, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  t.equal(multi.status, 200);
  t.match(multi.body, { path: 'notes/m.md', size: 7, contentType: 'text/markdown' });

  // Listing: prefix and keyset cursor.
  for (const p of ['list/a', 'list/b', 'list/c', 'listing/d']) await put(api, `docs/objects/${p}`, p, { token: sk });
  const page1 = await api.request('GET', api.p('/storage/buckets/docs/objects?prefix=list/&limit=2'), { token: sk });
  t.same(page1.body.items.map((o: { path: string }) => o.path), ['list/a', 'list/b']);
  t.equal(page1.body.nextCursor, 'list/b');
  const page2 = await api.request('GET', api.p(`/storage/buckets/docs/objects?prefix=list/&limit=2&cursor=${page1.body.nextCursor}`), { token: sk });
  t.same(page2.body.items.map((o: { path: string }) => o.path), ['list/c']);
  t.equal(page2.body.nextCursor, null);
  const all = await api.request('GET', api.p('/storage/buckets/docs/objects'), { token: sk });
  t.equal(all.body.items.length, 8);

  // Delete.
  t.equal((await api.request('DELETE', api.p('/storage/buckets/docs/objects/notes/hello.txt'), { token: sk })).status, 204);
  t.equal((await rawGet(api, 'docs/objects/notes/hello.txt', {}, sk)).status, 404);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/docs/objects/notes/hello.txt'), { token: sk })).body.error.code, 'object_not_found');
  t.equal(api.blobFiles().length, 7);

  // A bucket with objects is deleted only with force, and takes its blobs along.
  t.equal((await api.request('DELETE', api.p('/storage/buckets/docs'), { token: sk })).status, 409);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/docs?force=true'), { token: sk })).status, 204);
  t.equal(api.blobFiles().length, 0);
  t.equal(await countRows(api, '_objects'), 0);
});

forEachStorage(t, 'a large object streams through multipart upload and comes back intact', async (t, api) => {
  await bucket(api, { name: 'big' });
  const data = Buffer.alloc(12 * 1024 * 1024 + 5);
  for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
  const up = await put(api, 'big/objects/blob.bin', data, { token: api.secret, type: 'application/octet-stream' });
  t.equal(up.status, 200);
  t.equal(up.body.size, data.length);
  t.equal(up.body.sha256, sha(data));
  const back = await rawGet(api, 'big/objects/blob.bin', {}, api.secret);
  t.equal(sha(back.body), sha(data));
  const tail = await rawGet(api, 'big/objects/blob.bin', { range: `bytes=${data.length - 10}-` }, api.secret);
  t.equal(tail.status, 206);
  t.same(tail.body, data.subarray(data.length - 10));
});

forEachStorage(t, 'download disposition encodes names that would break the header', async (t, api) => {
  await bucket(api, { name: 'files', public: true, rules: { read: '', write: '' } });
  const path = 'reports/ünï "q";x%.txt';
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  t.equal((await put(api, `files/objects/${encoded}`, 'r')).status, 200);
  const res = await rawGet(api, `files/objects/${encoded}?download`);
  t.equal(res.status, 200);
  t.equal(res.headers['content-disposition'], `attachment; filename="_n_ _q_;x_.txt"; filename*=UTF-8''%C3%BCn%C3%AF%20%22q%22%3Bx%25.txt`);
  t.equal(res.headers['cache-control'], 'public, max-age=60');
  const evil = await rawGet(api, `files/objects/${encoded}?download=${encodeURIComponent('a\r\nSet-Cookie: x=1')}`);
  t.equal(evil.status, 200);
  t.notOk(evil.headers['set-cookie']);
  t.equal(evil.headers['content-disposition'], `attachment; filename="a__Set-Cookie: x=1"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1`);
});

forEachStorage(t, 'the size limit cuts an upload off mid-stream and leaves nothing behind', async (t, api) => {
  await bucket(api, { name: 'small', maxSize: 1000, rules: { read: '', write: '' } });
  const declared = await put(api, 'small/objects/a.bin', Buffer.alloc(5000));
  t.equal(declared.status, 413, 'a declared length over the limit is refused before streaming');
  t.equal(declared.body.error.code, 'payload_too_large');
  // No Content-Length: only the stream can tell.
  const chunks = Array.from({ length: 10 }, () => Buffer.alloc(500, 1));
  const streamed = await put(api, 'small/objects/b.bin', Readable.from(chunks));
  t.equal(streamed.status, 413);
  t.equal(streamed.body.error.code, 'payload_too_large');
  const form = `--B\r\nContent-Disposition: form-data; name="file"; filename="c.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(3000)}\r\n--B--\r\n`;
  const multi = await api.request('POST', api.p('/storage/buckets/small/objects/c.bin'), { body: form, headers: { 'content-type': 'multipart/form-data; boundary=B' } });
  t.equal(multi.status, 413);
  t.same(api.blobFiles(), [], 'no blob, no temp file');
  t.equal(await countRows(api, '_objects'), 0, 'no row');
  t.equal((await put(api, 'small/objects/ok.bin', Buffer.alloc(1000))).status, 200, 'exactly the limit is fine');
});

forEachStorage(t, 'content types are checked against the bucket', async (t, api) => {
  await bucket(api, { name: 'media', allowedTypes: ['image/*', 'application/pdf'], rules: { read: '', write: '' } });
  const text = await put(api, 'media/objects/a.txt', 'text', { type: 'text/plain' });
  t.equal(text.status, 415);
  t.equal(text.body.error.code, 'unsupported_media_type');
  t.equal((await put(api, 'media/objects/a.png', 'png', { type: 'image/png' })).status, 200);
  t.equal((await put(api, 'media/objects/a.pdf', 'pdf', { type: 'Application/PDF; name=x' })).status, 200);
  const form = `--B\r\nContent-Disposition: form-data; name="file"; filename="x.html"\r\nContent-Type: text/html\r\n\r\n<p>\r\n--B--\r\n`;
  t.equal((await api.request('POST', api.p('/storage/buckets/media/objects/x.html'), { body: form, headers: { 'content-type': 'multipart/form-data; boundary=B' } })).status, 415);
  t.equal(api.blobFiles().length, 2);
  const bad = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body: { name: 'bad', allowedTypes: ['image'] } });
  t.equal(bad.status, 400);
});

forEachStorage(t, 'an interrupted upload leaves nothing behind', async (t, api) => {
  await bucket(api, { name: 'up', rules: { read: '', write: '' } });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: api.p('/storage/buckets/up/objects/partial.bin'), headers: { 'content-type': 'application/octet-stream', 'content-length': String(1024 * 1024) } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(256 * 1024, 7));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 300);
  });
  for (let i = 0; i < 50 && api.blobFiles().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  t.same(api.blobFiles(), [], 'no blob, no temp file');
  t.equal(await countRows(api, '_objects'), 0);
  t.equal((await rawGet(api, 'up/objects/partial.bin')).status, 404);
});

forEachStorage(t, 'rules over object.path, size and contentType; guests against the service role', async (t, api) => {
  const sk = api.secret;
  await bucket(api, {
    name: 'mixed',
    rules: {
      read: "object.path ~ 'guest/'",
      write: "object.path ~ 'guest/' && object.size <= 100 && contentType = 'text/plain'",
    },
  });
  t.equal((await put(api, 'mixed/objects/guest/a.txt', 'hi')).status, 200);
  t.equal((await put(api, 'mixed/objects/other/a.txt', 'hi')).status, 403, 'path');
  t.equal((await put(api, 'mixed/objects/guest/big.txt', 'x'.repeat(200))).status, 403, 'declared size');
  t.equal((await put(api, 'mixed/objects/guest/big2.txt', Readable.from([Buffer.alloc(150, 1)]))).status, 403, 'streamed size, judged after the stream');
  t.equal((await put(api, 'mixed/objects/guest/a.bin', 'hi', { type: 'application/octet-stream' })).status, 403, 'content type');
  t.equal((await put(api, 'mixed/objects/other/b.txt', 'secret', { token: sk })).status, 200, 'the service role bypasses rules');
  t.equal(api.blobFiles().length, 2, 'refused uploads leave nothing');

  t.equal((await rawGet(api, 'mixed/objects/guest/a.txt')).status, 200);
  const hidden = await rawGet(api, 'mixed/objects/other/b.txt');
  t.equal(hidden.status, 404, 'the read rule hides it');
  t.equal(hidden.json().error.code, 'object_not_found');
  const list = await api.request('GET', api.p('/storage/buckets/mixed/objects'));
  t.same(list.body.items.map((o: { path: string }) => o.path), ['guest/a.txt']);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/mixed/objects/other/b.txt'))).status, 403);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/mixed/objects/guest/a.txt'))).status, 204);

  // null rules: the service role only. A public bucket opens reads, not listing.
  await bucket(api, { name: 'locked' });
  await put(api, 'locked/objects/x.txt', 'x', { token: sk });
  t.equal((await rawGet(api, 'locked/objects/x.txt')).status, 403);
  t.equal((await put(api, 'locked/objects/y.txt', 'y')).status, 403);
  t.equal((await api.request('GET', api.p('/storage/buckets/locked/objects'))).status, 403);
  await bucket(api, { name: 'pub', public: true });
  await put(api, 'pub/objects/x.txt', 'x', { token: sk });
  t.equal((await rawGet(api, 'pub/objects/x.txt')).status, 200);
  t.equal((await api.request('GET', api.p('/storage/buckets/pub/objects'))).status, 403);

  // Buckets: service role only; rules are checked when saved.
  t.equal((await api.request('GET', api.p('/storage/buckets'))).status, 401);
  const invalid = await api.request('POST', api.p('/storage/buckets'), { token: sk, body: { name: 'r', rules: { read: 'object.nope = 1' } } });
  t.equal(invalid.status, 400);
  t.equal(invalid.body.error.code, 'invalid_rule');
  const patched = await api.request('PATCH', api.p('/storage/buckets/locked'), { token: sk, body: { rules: { read: '' } } });
  t.same(patched.body.rules, { read: '', write: null });
  t.equal((await rawGet(api, 'locked/objects/x.txt')).status, 200);
  t.equal((await api.request('POST', api.p('/storage/buckets'), { token: sk, body: { name: 'pub' } })).status, 409);
  t.equal((await api.request('GET', api.p('/storage/buckets/nope/objects/x'), { token: sk })).body.error.code, 'bucket_not_found');
});

async function signup(api: StorageInstance, email: string): Promise<{ id: string; token: string }> {
  const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password: 'correct horse battery' } });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.session.accessToken };
}

forEachStorage(t, 'owner rule: users read and write their own objects; others and guests are refused', async (t, api) => {
  const owner = 'auth.id != null && object.owner = auth.id';
  await bucket(api, { name: 'private', rules: { read: owner, write: owner } });
  const alice = await signup(api, 'alice@example.com');
  const bob = await signup(api, 'bob@example.com');
  const up = await put(api, 'private/objects/avatars/alice.txt', 'alice', { token: alice.token });
  t.equal(up.status, 200);
  t.equal(up.body.owner, alice.id);
  t.equal((await rawGet(api, 'private/objects/avatars/alice.txt', {}, alice.token)).body.toString(), 'alice');
  t.equal((await rawGet(api, 'private/objects/avatars/alice.txt', {}, bob.token)).status, 404);
  t.equal((await rawGet(api, 'private/objects/avatars/alice.txt')).status, 404);
  t.equal((await put(api, 'private/objects/avatars/alice.txt', 'bob', { token: bob.token, headers: { 'x-upsert': 'true' } })).status, 403);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/private/objects/avatars/alice.txt'), { token: bob.token })).status, 403);
  t.equal((await put(api, 'private/objects/guest.txt', 'g')).status, 403, 'a guest cannot own anything');
  const bobList = await api.request('GET', api.p('/storage/buckets/private/objects'), { token: bob.token });
  t.same(bobList.body.items, []);

  // Alice hands a read URL to a guest; bob cannot sign one for her object.
  const signed = await api.request('POST', api.p('/storage/buckets/private/sign'), { token: alice.token, body: { path: 'avatars/alice.txt', expiresIn: 60 } });
  t.equal(signed.status, 200);
  const url = new URL(signed.body.url);
  t.equal((await api.request('GET', url.pathname + url.search)).body, 'alice');
  t.equal((await api.request('POST', api.p('/storage/buckets/private/sign'), { token: bob.token, body: { path: 'avatars/alice.txt' } })).status, 404);

  // A write URL signed by bob uploads as bob.
  const write = await api.request('POST', api.p('/storage/buckets/private/sign'), { token: bob.token, body: { path: 'avatars/bob.txt', action: 'write' } });
  const wurl = new URL(write.body.url);
  const uploaded = await api.request('PUT', wurl.pathname + wurl.search, { body: 'bob', headers: { 'content-type': 'text/plain' } });
  t.equal(uploaded.status, 200);
  t.equal(uploaded.body.owner, bob.id);
  t.equal((await rawGet(api, 'private/objects/avatars/bob.txt', {}, bob.token)).status, 200);
  // ...and may replace bob's own object through it.
  const again = await api.request('PUT', `${wurl.pathname}${wurl.search}&upsert=true`, { body: 'bob 2', headers: { 'content-type': 'text/plain' } });
  t.equal(again.status, 200, 'a signed URL replaces its signer\'s own object');

  // A write URL signed for a then-empty path does not let its signer replace what
  // someone else has stored there since (the owner rule would refuse a direct write).
  const early = await api.request('POST', api.p('/storage/buckets/private/sign'), { token: bob.token, body: { path: 'shared/slot.txt', action: 'write' } });
  t.equal((await put(api, 'private/objects/shared/slot.txt', 'alice was here', { token: alice.token })).status, 200);
  const eurl = new URL(early.body.url);
  const hijack = await api.request('PUT', `${eurl.pathname}${eurl.search}&upsert=true`, { body: 'bob was here', headers: { 'content-type': 'text/plain' } });
  t.equal(hijack.status, 403, 'a signed URL cannot replace another user\'s object');
  t.equal((await rawGet(api, 'private/objects/shared/slot.txt', {}, alice.token)).body.toString(), 'alice was here');
  t.equal((await api.request('DELETE', api.p('/storage/buckets/private/objects/avatars/alice.txt'), { token: alice.token })).status, 204);
});

forEachStorage(t, 'signed URLs: valid, expired, tampered, other path, other action', async (t, api) => {
  const sk = api.secret;
  await bucket(api, { name: 'vault' });
  await put(api, 'vault/objects/a/one.txt', 'one', { token: sk });
  await put(api, 'vault/objects/a/two.txt', 'two', { token: sk });
  const signed = await api.request('POST', api.p('/storage/buckets/vault/sign'), { token: sk, body: { path: 'a/one.txt', expiresIn: 300 } });
  t.equal(signed.status, 200);
  const token: string = signed.body.token;
  const get = (path: string, tk: string) => rawGet(api, `vault/objects/${path}?token=${encodeURIComponent(tk)}`);
  t.equal((await get('a/one.txt', token)).body.toString(), 'one');
  t.equal((await get('a/two.txt', token)).status, 403, 'other path');
  const [exp, owner, sig] = token.split('.');
  const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
  t.equal((await get('a/one.txt', `${exp}.${owner}.${flipped}`)).status, 403, 'tampered signature');
  t.equal((await get('a/one.txt', `${Number(exp) + 1000}.${owner}.${sig}`)).status, 403, 'extended expiry');
  t.equal((await get('a/one.txt', 'garbage')).status, 403, 'malformed');
  const db = (await api.app.baas.registry.get('app'))!.db;
  const version = (await db.get<{ blob_key: string }>(sql`SELECT blob_key FROM ${db.table('_objects')} WHERE path = 'a/one.txt'`))!.blob_key;
  const expired = await signToken(db, { project: 'app', bucket: 'vault', path: 'a/one.txt', action: 'read', version }, { kind: 'privileged' }, -5);
  const res = await get('a/one.txt', expired.token);
  t.equal(res.status, 403, 'expired');
  t.equal(res.json().error.code, 'forbidden');
  t.equal((await put(api, `vault/objects/a/one.txt?token=${encodeURIComponent(token)}&upsert=true`, 'x')).status, 403, 'a read token cannot write');

  const write = await api.request('POST', api.p('/storage/buckets/vault/sign'), { token: sk, body: { path: 'up/new.txt', action: 'write', expiresIn: 60 } });
  const wtoken = encodeURIComponent(write.body.token);
  t.equal((await put(api, `vault/objects/up/new.txt?token=${wtoken}`, 'new')).status, 200);
  t.equal((await put(api, `vault/objects/up/new.txt?token=${wtoken}`, 'again')).status, 409, 'replacing still needs upsert');
  t.equal((await put(api, `vault/objects/up/other.txt?token=${wtoken}`, 'x')).status, 403, 'other path');
  t.equal((await get('up/new.txt', write.body.token)).status, 403, 'a write token cannot read');
  t.equal((await api.request('POST', api.p('/storage/buckets/vault/sign'), { body: { path: 'a/one.txt' } })).status, 403, 'a guest may not read, so may not sign');
  t.equal((await api.request('POST', api.p('/storage/buckets/vault/sign'), { token: sk, body: { path: 'a/../x' } })).body.error.code, 'invalid_path');
});

forEachStorage(t, 'image transforms: webp thumbnail, cached, dropped on overwrite; non-images refused', async (t, api) => {
  const sk = api.secret;
  await bucket(api, { name: 'img', public: true });
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 20, b: 20 } } }).png().toBuffer();
  await put(api, 'img/objects/photo.png', png, { token: sk, type: 'image/png' });
  const thumb = await rawGet(api, 'img/objects/photo.png?width=32&format=webp');
  t.equal(thumb.status, 200);
  t.equal(thumb.headers['content-type'], 'image/webp');
  const meta = await sharp(thumb.body).metadata();
  t.match(meta, { format: 'webp', width: 32, height: 24 });
  t.equal(thumb.headers.etag, `"${sha(thumb.body)}"`);
  const again = await rawGet(api, 'img/objects/photo.png?width=32&format=webp');
  t.same(again.body, thumb.body);
  t.equal(await countRows(api, '_object_variants'), 1, 'made once, then cached');
  t.equal((await rawGet(api, 'img/objects/photo.png?width=32&format=webp', { 'if-none-match': thumb.headers.etag as string })).status, 304);
  const cover = await rawGet(api, 'img/objects/photo.png?width=20&height=20&fit=cover&format=png');
  t.match(await sharp(cover.body).metadata(), { format: 'png', width: 20, height: 20 });
  t.equal(api.blobFiles().length, 3);

  await put(api, 'img/objects/photo.png', png, { token: sk, type: 'image/png', headers: { 'x-upsert': 'true' } });
  t.equal(await countRows(api, '_object_variants'), 0, 'an overwrite drops the variants');
  t.equal(api.blobFiles().length, 1);

  await put(api, 'img/objects/notes.txt', 'not an image', { token: sk });
  const text = await rawGet(api, 'img/objects/notes.txt?width=10');
  t.equal(text.status, 400);
  t.equal(text.json().error.code, 'invalid_transform');
  await put(api, 'img/objects/fake.png', 'not really a png', { token: sk, type: 'image/png' });
  t.equal((await rawGet(api, 'img/objects/fake.png?width=10')).json().error.code, 'invalid_transform');
  t.equal((await rawGet(api, 'img/objects/photo.png?width=5000')).status, 400);
  t.equal((await rawGet(api, 'img/objects/photo.png?format=gif')).status, 400);
  t.equal(await countRows(api, '_object_variants'), 0);
  t.equal(api.blobFiles().length, 3, 'failed transforms leave nothing');
  // Sweeping parameters keeps at most 16 variants per object on disk.
  for (let w = 1; w <= 18; w++) t.equal((await rawGet(api, `img/objects/photo.png?width=${w}&format=jpeg`)).status, 200);
  t.equal(await countRows(api, '_object_variants'), 16, 'the oldest variants are evicted');
  t.equal(api.blobFiles().length, 3 + 16);
  t.equal((await api.request('DELETE', api.p('/storage/buckets/img/objects/photo.png'), { token: sk })).status, 204);
  t.equal(await countRows(api, '_object_variants'), 0, 'deleting the object drops its variants');
  t.equal(api.blobFiles().length, 2);
});

forEachStorage(t, 'path traversal and malformed paths are refused with 400 invalid_path', async (t, api) => {
  const sk = api.secret;
  await bucket(api, { name: 'safe', rules: { read: '', write: '' } });
  const bad = [
    '..', '../x', 'a/../../x', 'a/..', '.', './a', 'a/./b', '..\\x', 'a\\b',
    '%2e%2e/x', 'a/%2E%2E/x', '%2e%2E', '.%2e/x',
    'a%2fb', 'a%2F..%2Fb', '..%2fx', '%2fetc/passwd', '%2Fetc',
    '/etc/passwd', '//etc', 'a//b', 'a/', 'a%5cb', 'a%5C..%5Cb', '..%5c..%5cwin.ini',
    'a%00b', '%00', 'a%0ab', 'a%0d%0aSet-Cookie:x', 'a%09b', 'a%7fb', 'a%c2%85b',
    '%ff', '%', 'a%zz', '%ed%a0%80', 'x'.repeat(1025), '%C3%A9'.repeat(513),
  ];
  // A real socket: HTTP clients (and inject) resolve "../" before sending; an attacker's does not.
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  const send = (method: string, path: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: api.p(`/storage/buckets/safe/objects/${path}`), headers: { authorization: `Bearer ${sk}`, 'content-type': 'text/plain' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(method === 'PUT' ? 'x' : undefined);
    });
  for (const path of bad) {
    for (const method of ['PUT', 'GET', 'DELETE']) {
      const res = await send(method, path);
      t.equal(res.status, 400, `${method} ${path.slice(0, 40)}`);
      t.equal(res.body?.error.code, 'invalid_path', `${method} ${path.slice(0, 40)}`);
    }
  }
  t.same(api.blobFiles(), []);
  t.equal((await api.request('GET', api.p('/storage/buckets/safe/objects?prefix=../'), { token: sk })).body.error.code, 'invalid_path');
  // Unusual but harmless names are fine, and come back under the same name.
  for (const path of ['a..b/c', '.hidden', 'x/...', 'ü n i/c%C3%B8de.txt', "it's (1).txt", 'x'.repeat(1024)]) {
    const res = await put(api, `safe/objects/${path}`, 'ok');
    t.equal(res.status, 200, path.slice(0, 40));
    t.equal((await rawGet(api, `safe/objects/${path}`)).body.toString(), 'ok', path.slice(0, 40));
  }
});
