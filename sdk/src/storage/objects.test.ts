import t from 'tap';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { failure, startServer } from '../../test/server.ts';
import { createClient } from '../index.ts';

const { instance, url } = await startServer(t.teardown);
const client = createClient({ url, project: 'app', key: instance.secret });
const bytes = async (blob: Blob) => Buffer.from(await blob.arrayBuffer());
// Buffer.equals, not t.same: tap compares megabytes element by element, slowly.
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

t.test('buckets: create, get, list, update, delete with force', async (t) => {
  const created = await client.storage.buckets.create({ name: 'docs', maxSize: 1000, allowedTypes: ['text/*'] });
  t.match(created, { name: 'docs', public: false, maxSize: 1000, allowedTypes: ['text/*'], rules: { read: null, write: null } });
  t.match(await client.storage.buckets.get('docs'), { name: 'docs', maxSize: 1000 });
  t.ok((await client.storage.buckets.list()).some((b) => b.name === 'docs'));
  t.match(await client.storage.buckets.update('docs', { public: true, rules: { read: '' } }), { public: true, rules: { read: '', write: null }, maxSize: 1000 });

  t.match(await failure(() => client.storage.buckets.create({ name: 'docs' })), { status: 409, code: 'conflict' });
  t.match(await failure(() => client.storage.buckets.create({ name: 'Bad Name' })), { status: 400 });
  t.match(await failure(() => client.storage.buckets.get('nope')), { status: 404, code: 'bucket_not_found' });
  const guest = createClient({ url, project: 'app' });
  t.match(await failure(() => guest.storage.buckets.list()), { status: 401 });

  await client.storage.bucket('docs').upload('a.txt', 'hi', { contentType: 'text/plain' });
  t.match(await failure(() => client.storage.buckets.delete('docs')), { status: 409, code: 'conflict' }, 'a bucket with objects needs force');
  await client.storage.buckets.delete('docs', { force: true });
  t.match(await failure(() => client.storage.buckets.get('docs')), { status: 404, code: 'bucket_not_found' });
});

t.test('upload: every body kind round-trips byte-exact', async (t) => {
  await client.storage.buckets.create({ name: 'kinds' });
  const bucket = client.storage.bucket('kinds');
  const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 7));
  const small = new Uint8Array(randomBytes(1000));
  const text = 'héllo wörld ✓';
  const utf8 = new TextEncoder().encode(text);
  const webStream = (data: Uint8Array) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < data.length; i += 100_000) c.enqueue(data.slice(i, i + 100_000));
        c.close();
      },
    });
  const cases: Array<[string, Parameters<typeof bucket.upload>[1], Uint8Array, string]> = [
    ['blob', new Blob([small], { type: 'image/x-test' }), small, 'image/x-test'],
    ['uint8array (big)', big, big, 'application/octet-stream'],
    ['buffer view with offset', Buffer.from(big.buffer, 10, 500), big.subarray(10, 510), 'application/octet-stream'],
    ['string', text, utf8, 'application/octet-stream'],
    ['arraybuffer', small.slice().buffer, small, 'application/octet-stream'],
    ['web stream (big)', webStream(big), big, 'application/octet-stream'],
    ['node readable', Readable.from([small.subarray(0, 300), small.subarray(300)]), small, 'application/octet-stream'],
    ['empty', new Uint8Array(0), new Uint8Array(0), 'application/octet-stream'],
  ];
  for (const [name, body, expected, type] of cases) {
    const meta = await bucket.upload(`kinds/${name}`, body);
    t.match(meta, { bucket: 'kinds', path: `kinds/${name}`, size: expected.length, contentType: type, owner: null }, name);
    t.equal(meta.etag, meta.sha256, `${name}: etag`);
    const blob = await bucket.download(`kinds/${name}`);
    t.equal(blob.type, type, `${name}: type downloaded`);
    t.ok(equal(await bytes(blob), expected), `${name}: bytes`);
  }
  // the stream download of the big object, read chunk by chunk
  const chunks: Uint8Array[] = [];
  for await (const chunk of await bucket.downloadStream('kinds/uint8array (big)')) chunks.push(chunk);
  t.ok(equal(Buffer.concat(chunks), big), 'downloadStream bytes');

  const typed = await bucket.upload('typed.txt', new Blob(['x'], { type: 'image/png' }), { contentType: 'text/plain; charset=utf-8' });
  t.equal(typed.contentType, 'text/plain; charset=utf-8', 'the option wins over the Blob type');
});

t.test('upload progress: monotonic, ending at the size, for buffers and streams', async (t) => {
  await client.storage.buckets.create({ name: 'progress' });
  const bucket = client.storage.bucket('progress');
  const data = new Uint8Array(randomBytes(2 * 1024 * 1024));
  const check = (events: Array<[number, number | undefined]>, total: number | undefined, label: string) => {
    t.ok(events.length > 2, `${label}: several events (${events.length})`);
    t.ok(events.every((e, i) => i === 0 || e[0] >= events[i - 1][0]), `${label}: monotonic`);
    t.same(events.at(-1), [data.length, data.length], `${label}: ends at the size`);
    t.ok(events.slice(0, -1).every(([, tot]) => tot === total), `${label}: total while sending`);
  };

  const fromBuffer: Array<[number, number | undefined]> = [];
  const meta = await bucket.upload('buf', data, { onProgress: (l, tot) => fromBuffer.push([l, tot]) });
  t.equal(meta.size, data.length);
  check(fromBuffer, data.length, 'buffer');
  t.ok(equal(await bytes(await bucket.download('buf')), data), 'counted body arrives intact');

  const fromStream: Array<[number, number | undefined]> = [];
  await bucket.upload('stream', Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]), { onProgress: (l, tot) => fromStream.push([l, tot]) });
  check(fromStream, undefined, 'stream');

  const fromBlob: Array<[number, number | undefined]> = [];
  await bucket.upload('blob', new Blob([data]), { onProgress: (l, tot) => fromBlob.push([l, tot]) });
  check(fromBlob, data.length, 'blob');
});

t.test('upsert, info, range downloads, remove', async (t) => {
  await client.storage.buckets.create({ name: 'files' });
  const bucket = client.storage.bucket('files');
  const first = await bucket.upload('note.txt', 'first version', { contentType: 'text/plain' });
  t.match(await failure(() => bucket.upload('note.txt', 'second')), { status: 409, code: 'conflict' });
  t.match(await failure(() => bucket.upload('note.txt', Readable.from([new TextEncoder().encode('streamed')]))), { status: 409, code: 'conflict' }, 'streamed conflict');
  t.equal(await (await bucket.download('note.txt')).text(), 'first version', 'a refused upload changes nothing');

  const second = await bucket.upload('note.txt', '0123456789', { upsert: true, contentType: 'text/plain' });
  t.equal(second.size, 10);
  t.not(second.etag, first.etag);
  t.equal(second.createdAt, first.createdAt, 'replacing keeps createdAt');

  const info = await bucket.info('note.txt');
  t.same(info, { size: 10, contentType: 'text/plain', etag: second.etag, lastModified: new Date(Math.floor(Date.parse(second.updatedAt) / 1000) * 1000).toISOString() });
  t.match(await failure(() => bucket.info('missing.txt')), { status: 404, code: 'object_not_found' }, 'HEAD failures keep the code');
  t.match(await failure(() => client.storage.bucket('nope').info('x')), { status: 404, code: 'bucket_not_found' });

  t.equal(await (await bucket.download('note.txt', { range: [2, 4] })).text(), '234', 'end inclusive');
  t.equal(await (await bucket.download('note.txt', { range: [7] })).text(), '789', 'open end');
  t.match(await failure(() => bucket.download('note.txt', { range: [10] })), { status: 416, code: 'range_not_satisfiable' });

  await bucket.remove('note.txt');
  t.match(await failure(() => bucket.download('note.txt')), { status: 404, code: 'object_not_found' });
  t.match(await failure(() => bucket.remove('note.txt')), { status: 404, code: 'object_not_found' });
});

t.test('maxSize and allowedTypes are BaasErrors', async (t) => {
  await client.storage.buckets.create({ name: 'limited', maxSize: 1000, allowedTypes: ['image/*', 'text/plain'] });
  const bucket = client.storage.bucket('limited');
  const over = new Uint8Array(5000);
  t.match(await failure(() => bucket.upload('a.png', over, { contentType: 'image/png' })), { status: 413, code: 'payload_too_large' });
  t.match(
    await failure(() => bucket.upload('b.png', Readable.from([over.subarray(0, 800), over.subarray(800)]), { contentType: 'image/png' })),
    { status: 413, code: 'payload_too_large' },
    'a stream that grows past the limit',
  );
  t.match(await failure(() => bucket.upload('c.png', over, { contentType: 'image/png', onProgress: () => {} })), { status: 413, code: 'payload_too_large' }, 'counted upload');
  t.match(await failure(() => bucket.upload('d.pdf', 'x', { contentType: 'application/pdf' })), { status: 415, code: 'unsupported_media_type' });
  t.match(await failure(() => bucket.upload('e.bin', 'x')), { status: 415, code: 'unsupported_media_type' }, 'the default type is octet-stream');
  t.match(await bucket.upload('f.txt', 'ok', { contentType: 'text/plain; charset=utf-8' }), { size: 2 });
  t.same((await bucket.list()).items.map((o) => o.path), ['f.txt'], 'refused uploads leave nothing');
});

t.test('paths: each segment encoded, slashes kept', async (t) => {
  await client.storage.buckets.create({ name: 'names' });
  const bucket = client.storage.bucket('names');
  const paths = ['dir one/file two.txt', 'ünïcødé/日本語.txt', 'hash#tag/q?x=1&y=2.txt', "quote'\"%25+plus.txt", 'a..b/.hidden'];
  for (const path of paths) {
    const meta = await bucket.upload(path, path);
    t.equal(meta.path, path, `${path}: stored name`);
    t.equal(await (await bucket.download(path)).text(), path, `${path}: bytes`);
    t.equal((await bucket.info(path)).size, new TextEncoder().encode(path).length);
  }
  t.same((await bucket.list()).items.map((o) => o.path).sort(), [...paths].sort());
  t.match(bucket.url('dir one/file two.txt'), /\/objects\/dir%20one\/file%20two\.txt$/);
  t.match(await failure(() => bucket.upload('a//b', 'x')), { status: 400, code: 'invalid_path' });
  // `..` would be resolved by URL parsing and reach another bucket: refused before any request
  for (const path of ['../names2/objects/x', 'a/./b', 'a/..', '.', 'a/../b']) {
    t.match(await failure(() => bucket.upload(path, 'x')), { status: 400, code: 'invalid_path' }, path);
  }
  t.throws(() => bucket.url('a/../b'), { code: 'invalid_path' });
  for (const path of paths) await bucket.remove(path);
  t.same((await bucket.list()).items, []);
});

t.test('list and iterate: prefix and paging', async (t) => {
  await client.storage.buckets.create({ name: 'many' });
  const bucket = client.storage.bucket('many');
  const names = Array.from({ length: 7 }, (_, i) => `photos/${i}.txt`);
  for (const name of [...names, 'other/x.txt', 'photosX.txt']) await bucket.upload(name, name);

  const page1 = await bucket.list({ prefix: 'photos/', limit: 3 });
  t.same(page1.items.map((o) => o.path), names.slice(0, 3));
  t.type(page1.nextCursor, 'string');
  const page2 = await bucket.list({ prefix: 'photos/', limit: 3, cursor: page1.nextCursor! });
  t.same(page2.items.map((o) => o.path), names.slice(3, 6));

  const all: string[] = [];
  for await (const object of bucket.iterate({ prefix: 'photos/', limit: 2 })) all.push(object.path);
  t.same(all, names, 'iterate walks every page');
  const everything: string[] = [];
  for await (const object of bucket.iterate()) everything.push(object.path);
  t.same(everything, ['other/x.txt', ...names, 'photosX.txt'], 'path (byte) order');
  t.match(await failure(() => bucket.list({ limit: 0 })), { status: 400 });
});

t.test('abort: upload and download give network_error with reason aborted', async (t) => {
  await client.storage.buckets.create({ name: 'aborts' });
  const bucket = client.storage.bucket('aborts');

  const stalled = new AbortController();
  const never = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(10));
      setTimeout(() => stalled.abort(), 50);
    },
  });
  t.match(await failure(() => bucket.upload('stalled', never, { signal: stalled.signal })), { status: 0, code: 'network_error', details: { reason: 'aborted' } });

  const before = AbortSignal.abort();
  t.match(await failure(() => bucket.upload('pre', 'x', { signal: before })), { status: 0, code: 'network_error', details: { reason: 'aborted' } });

  await bucket.upload('big', new Uint8Array(randomBytes(4 * 1024 * 1024)));
  t.same((await bucket.list()).items.map((o) => o.path), ['big'], 'aborted uploads leave nothing');
  t.match(await failure(() => bucket.download('big', { signal: AbortSignal.abort() })), { status: 0, code: 'network_error', details: { reason: 'aborted' } });

  const reading = new AbortController();
  const stream = await bucket.downloadStream('big', { signal: reading.signal });
  reading.abort();
  await t.rejects(stream.getReader().read(), { name: 'AbortError' }, 'an aborted stream errors');
});
