import t from 'tap';
import { createRequire } from 'node:module';
import { failure, startServer } from '../../test/server.ts';
import { createClient } from '../index.ts';

// sharp is the server's dependency: make test images with it, and read the transformed ones back.
// (Typed by hand: the SDK's package does not depend on sharp, so its types do not resolve from here.)
type Image = { png(): Image; toBuffer(): Promise<Buffer<ArrayBuffer>>; metadata(): Promise<{ format?: string; width?: number; height?: number }> };
const sharp = createRequire(new URL('../../../server/package.json', import.meta.url))('sharp') as (
  input?: Buffer | { create: { width: number; height: number; channels: 3; background: object } },
) => Image;

const { instance, url } = await startServer(t.teardown);
const service = createClient({ url, project: 'app', key: instance.secret });
const guest = createClient({ url, project: 'app' });

async function signUp(email: string) {
  const reply = await instance.request('POST', '/v1/projects/app/auth/signup', { body: { email, password: 'correct horse battery' } });
  const { user, session } = reply.body as { user: { id: string }; session: { accessToken: string } };
  return { id: user.id, client: createClient({ url, project: 'app', token: session.accessToken }) };
}

const alice = await signUp('alice@example.com');
const bob = await signUp('bob@example.com');
await service.storage.buckets.create({
  name: 'private',
  rules: { read: 'auth.id != null && object.owner = auth.id', write: 'auth.id != null && object.owner = auth.id' },
});

t.test('owner-only bucket: the owner reads and writes, others get 404', async (t) => {
  const mine = alice.client.storage.bucket('private');
  const meta = await mine.upload('alice/notes.txt', 'for alice only', { contentType: 'text/plain' });
  t.equal(meta.owner, alice.id);
  t.equal(await (await mine.download('alice/notes.txt')).text(), 'for alice only');
  t.same((await mine.list()).items.map((o) => o.path), ['alice/notes.txt']);

  const theirs = bob.client.storage.bucket('private');
  t.match(await failure(() => theirs.download('alice/notes.txt')), { status: 404, code: 'object_not_found' });
  t.match(await failure(() => theirs.info('alice/notes.txt')), { status: 404, code: 'object_not_found' });
  t.match(await failure(() => theirs.signedUrl('alice/notes.txt')), { status: 404, code: 'object_not_found' });
  t.same((await theirs.list()).items, [], 'the listing is filtered');
  t.match(await failure(() => theirs.upload('alice/notes.txt', 'overwrite', { upsert: true })), { status: 403, code: 'forbidden' }, 'the replaced object is judged too');
  t.match(await failure(() => guest.storage.bucket('private').download('alice/notes.txt')), { status: 404, code: 'object_not_found' });
  t.equal(await (await mine.download('alice/notes.txt')).text(), 'for alice only', 'unchanged');

  t.match(await failure(() => alice.client.storage.buckets.create({ name: 'mine' })), { status: 403 }, 'users cannot manage buckets');
});

t.test('signed URLs: a guest reads with plain fetch, and uploads with a write URL', async (t) => {
  const bucket = alice.client.storage.bucket('private');
  await bucket.upload('alice/shared file.txt', 'shared bytes', { contentType: 'text/plain' });

  const read = await bucket.signedUrl('alice/shared file.txt', { expiresIn: 60 });
  t.match(read, { url: /\/objects\/alice\/shared%20file\.txt\?token=/, token: String, expiresAt: String });
  t.ok(Math.abs(Date.parse(read.expiresAt) - Date.now() - 60_000) < 5000, 'expires in a minute');
  const fetched = await fetch(read.url);
  t.equal(fetched.status, 200);
  t.equal(await fetched.text(), 'shared bytes');
  const viaUrl = await fetch(guest.storage.bucket('private').url('alice/shared file.txt', { token: read.token, download: 'a b.txt' }));
  t.equal(await viaUrl.text(), 'shared bytes', 'url() with the token');
  t.match(viaUrl.headers.get('content-disposition'), /^attachment; .*filename\*=UTF-8''a%20b\.txt/);
  t.equal((await fetch(read.url, { method: 'PUT', body: 'x' })).status, 403, 'a read URL does not write');

  const write = await bucket.signedUrl('alice/upload.txt', { action: 'write', expiresIn: 60 });
  const put = await fetch(write.url, { method: 'PUT', body: 'from a guest', headers: { 'content-type': 'text/plain' } });
  t.equal(put.status, 200);
  t.match(await put.json(), { path: 'alice/upload.txt', owner: alice.id, size: 12 }, 'owned by the signer');
  t.equal(await (await bucket.download('alice/upload.txt')).text(), 'from a guest');
  t.equal((await fetch(write.url)).status, 403, 'a write URL does not read');
});

t.test('image transforms and public URLs', async (t) => {
  await service.storage.buckets.create({ name: 'images', public: true, allowedTypes: ['image/*'] });
  const bucket = service.storage.bucket('images');
  const png = await sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
  await bucket.upload('pics/red dot.png', new Blob([png], { type: 'image/png' }));

  const publicBucket = guest.storage.bucket('images');
  const plain = await fetch(publicBucket.url('pics/red dot.png'));
  t.equal(plain.headers.get('content-type'), 'image/png');
  t.ok(Buffer.from(await plain.arrayBuffer()).equals(png), 'a public object by its plain URL');

  const thumbUrl = publicBucket.url('pics/red dot.png', { width: 16, format: 'webp' });
  t.match(thumbUrl, /\?width=16&format=webp$/);
  const thumb = await fetch(thumbUrl);
  t.equal(thumb.headers.get('content-type'), 'image/webp');
  t.match(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata(), { format: 'webp', width: 16, height: 8 });

  const boxed = await publicBucket.download('pics/red dot.png');
  t.equal(boxed.size, png.length, 'download() without options is the original');
  const attachment = await fetch(publicBucket.url('pics/red dot.png', { download: true }));
  t.match(attachment.headers.get('content-disposition'), /^attachment; filename="red dot\.png"/);
  t.match(await failure(() => guest.storage.bucket('images').list()), { status: 403 }, 'public does not mean listable');

  // a private object in an <img>: a signed read token combined with a transform
  const own = alice.client.storage.bucket('private');
  await own.upload('alice/pic.png', png, { contentType: 'image/png' });
  const { token } = await own.signedUrl('alice/pic.png');
  const cover = await fetch(guest.storage.bucket('private').url('alice/pic.png', { width: 10, height: 10, fit: 'cover', format: 'png', token }));
  t.equal(cover.status, 200);
  t.match(await sharp(Buffer.from(await cover.arrayBuffer())).metadata(), { format: 'png', width: 10, height: 10 });
});

/**
 * Just enough of XMLHttpRequest, over Node's fetch, to run the SDK's browser
 * branch against the real server: upload progress as fetch reads the body,
 * status, responseText, abort and network errors.
 */
class NodeXhr {
  status = 0;
  responseText = '';
  upload: { onprogress?: (e: { loaded: number; total: number; lengthComputable: boolean }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  ontimeout?: () => void;
  onabort?: () => void;
  private method = '';
  private target = '';
  private headers: Record<string, string> = {};
  private reply?: Response;
  private controller = new AbortController();
  static sent: Array<Record<string, string>> = [];

  open(method: string, target: string) {
    this.method = method;
    this.target = target;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.reply?.headers.get(name) ?? null;
  }
  abort() {
    this.controller.abort();
  }
  send(body: Blob | Uint8Array) {
    NodeXhr.sent.push(this.headers);
    const blob = new Blob([body as BlobPart]);
    let loaded = 0;
    const counted = blob.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, c) => {
          for (let i = 0; i < chunk.length; i += 65536) {
            c.enqueue(chunk.subarray(i, i + 65536));
            loaded += Math.min(65536, chunk.length - i);
            this.upload.onprogress?.({ loaded, total: blob.size, lengthComputable: true });
          }
        },
      }),
    );
    fetch(this.target, { method: this.method, headers: this.headers, body: counted, signal: this.controller.signal, duplex: 'half' } as RequestInit).then(
      async (res) => {
        this.reply = res;
        this.status = res.status;
        this.responseText = await res.text();
        this.onload?.();
      },
      () => (this.controller.signal.aborted ? this.onabort?.() : this.onerror?.()),
    );
  }
}

t.test('the XMLHttpRequest branch (browsers with onProgress): progress, errors, bearer, abort', async (t) => {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXhr;
  t.teardown(() => delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest);
  const bucket = alice.client.storage.bucket('private');
  const data = new Uint8Array(300_000).map((_, i) => i % 251);

  const events: Array<[number, number | undefined]> = [];
  const meta = await bucket.upload('alice/xhr.bin', data, { onProgress: (loaded, total) => events.push([loaded, total]) });
  t.match(meta, { path: 'alice/xhr.bin', size: data.length, owner: alice.id });
  t.equal(NodeXhr.sent.length, 1, 'went through XHR');
  t.equal(NodeXhr.sent[0].authorization, `Bearer ${alice.client.credential}`);
  t.equal(NodeXhr.sent[0]['content-type'], 'application/octet-stream');
  t.ok(events.length > 1 && events.every((e, i) => i === 0 || e[0] >= events[i - 1][0]), 'monotonic');
  t.same(events.at(-1), [data.length, data.length], 'ends at the size');
  t.ok(Buffer.from(await (await bucket.download('alice/xhr.bin')).arrayBuffer()).equals(data));

  t.match(await failure(() => bucket.upload('alice/xhr.bin', data, { onProgress: () => {} })), { status: 409, code: 'conflict' }, 'the server envelope');
  t.match(await failure(() => bob.client.storage.bucket('private').upload('alice/xhr.bin', 'x', { upsert: true, onProgress: () => {} })), { status: 403, code: 'forbidden' });
  await bucket.upload('alice/xhr.bin', new Blob(['new'], { type: 'text/plain' }), { upsert: true, onProgress: () => {} });
  t.equal(NodeXhr.sent.at(-1)!['x-upsert'], 'true');
  t.equal(NodeXhr.sent.at(-1)!['content-type'], 'text/plain', "a Blob's type");
  t.equal(await (await bucket.download('alice/xhr.bin')).text(), 'new');

  const controller = new AbortController();
  const pending = failure(() => bucket.upload('alice/aborted.bin', data, { signal: controller.signal, onProgress: () => controller.abort() }));
  t.match(await pending, { status: 0, code: 'network_error', details: { reason: 'aborted' } });
  t.match(await failure(() => bucket.upload('alice/pre.bin', data, { signal: AbortSignal.abort(), onProgress: () => {} })), { code: 'network_error', details: { reason: 'aborted' } });
  const down = createClient({ url: 'http://127.0.0.1:1', project: 'app' }).storage.bucket('x');
  t.match(await failure(() => down.upload('a', 'b', { onProgress: () => {} })), { status: 0, code: 'network_error' });

  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(10));
      c.close();
    },
  });
  const sent = NodeXhr.sent.length;
  await bucket.upload('alice/stream.bin', stream, { onProgress: () => {} });
  t.equal(NodeXhr.sent.length, sent, 'streams still go through fetch');
});
