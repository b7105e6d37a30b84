import type { StorageBucket, StorageBucketInput, StorageObject } from '@baas/protocol';
import { BaasError } from '../errors.ts';
import { errorOf, networkError, pathOf, type QueryValue, type Transport } from '../http.ts';
import { everyItem } from '../pages.ts';

/** A bucket as the server shows it. */
export type BucketInfo = StorageBucket;

/** What `buckets.update` may change (and `buckets.create` may set). */
export type BucketSettings = Omit<StorageBucketInput, 'name'>;

/** An object's headers, from `info` (no metadata row is read, so no owner). */
export interface ObjectInfo {
  size: number;
  contentType: string;
  /** Unquoted, as in `StorageObject`. */
  etag: string;
  /** ISO time of the last write (second precision: it comes from `Last-Modified`). */
  lastModified: string;
}

/**
 * What `upload` accepts. Any async iterable of bytes (a Node `Readable`)
 * works without the SDK importing Node modules.
 */
export type UploadBody = Blob | ArrayBuffer | ArrayBufferView | string | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** Options of `upload`. */
export interface UploadOptions {
  /** Default: the Blob's type, else `application/octet-stream`. */
  contentType?: string;
  /** Replace an existing object (else `409 conflict`). */
  upsert?: boolean;
  /** Bytes sent so far; `total` is unknown for streams until the end. The last call has `loaded` = the object's size. */
  onProgress?: (loaded: number, total?: number) => void;
  signal?: AbortSignal;
}

/** Options of `download` and `downloadStream`. */
export interface DownloadOptions {
  /** Bytes `[start, end]`, `end` inclusive as in HTTP `Range`; without `end`, to the end of the object. */
  range?: [start: number, end?: number];
  signal?: AbortSignal;
}

/** A page of `list`: pass `nextCursor` back as `cursor` (null at the end). */
export interface ObjectList {
  items: StorageObject[];
  nextCursor: string | null;
}

/** A signed URL (`POST .../sign`): its holder may do `action` on one path until `expiresAt`. */
export interface SignedUrl {
  url: string;
  /** The `?token=` of `url`, for building other URLs (`bucket.url(path, { token })`). */
  token: string;
  expiresAt: string;
}

/** Query options of `url`: an image transform, an attachment download, a signed token. */
export interface UrlOptions {
  /** 1-4096; one of width/height keeps the aspect ratio. Images are never enlarged. */
  width?: number;
  height?: number;
  fit?: 'inside' | 'cover' | 'contain';
  format?: 'webp' | 'avif' | 'jpeg' | 'png';
  /** Serve as an attachment: `true` names it after the path, a string names it. */
  download?: boolean | string;
  /** A read token from `signedUrl`, so an `<img>` can load a private object (transformed too). */
  token?: string;
}

/** Buckets of the project: the service role (or an admin) manages them. */
export class BucketsApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  private path(name?: string): string {
    return `${this.base()}/storage/buckets${name === undefined ? '' : pathOf(name)}`;
  }

  /** All buckets, by name. */
  async list(): Promise<BucketInfo[]> {
    return (await this.http.request<{ items: BucketInfo[] }>('GET', this.path())).items;
  }

  /** One bucket (`404 bucket_not_found`). */
  get(name: string): Promise<BucketInfo> {
    return this.http.request('GET', this.path(name));
  }

  /** Creates a bucket: private, any size up to 5 GiB, any type, service-role rules unless set. */
  create(input: BucketSettings & { name: string }): Promise<BucketInfo> {
    return this.http.request('POST', this.path(), { body: input });
  }

  /** Changes settings; a rule set to null locks that action to the service role. */
  update(name: string, changes: BucketSettings): Promise<BucketInfo> {
    return this.http.request('PATCH', this.path(name), { body: changes });
  }

  /** Deletes a bucket; one with objects needs `force` (else `409 conflict`), which deletes them too. */
  async delete(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.http.request('DELETE', this.path(name), { query: { force: options.force || undefined } });
  }
}

/** Files in buckets: `storage.buckets` to manage them, `storage.bucket(name)` for objects. */
export class StorageApi {
  /** Bucket management (service role). */
  readonly buckets: BucketsApi;

  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
  ) {
    this.buckets = new BucketsApi(http, base);
  }

  /** The objects of one bucket (no request is made until a method is called). */
  bucket(name: string): Bucket {
    return new Bucket(this.http, this.base, name);
  }
}

/** The objects of one bucket, under its rules for the caller. */
export class Bucket {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
    /** The bucket's name. */
    readonly name: string,
  ) {}

  private path(rest = ''): string {
    return `${this.base()}/storage/buckets${pathOf(this.name)}${rest}`;
  }

  /** Each segment encoded on its own: the slashes stay separators, a `/` inside a name cannot exist. */
  private object(path: string): string {
    // URL parsing resolves `.` and `..` segments (encoded or not), which would send the request to another
    // path or bucket; the server refuses such paths anyway, so refuse them here.
    if (/(^|\/)\.\.?(\/|$)/.test(path)) throw new BaasError(400, 'invalid_path', `'.' and '..' segments are not allowed in an object path: ${path}`);
    return this.path('/objects/' + path.split('/').map(encodeURIComponent).join('/'));
  }

  /**
   * Uploads `body` to `path` (a raw PUT, streamed when the body is a stream)
   * and returns the object's metadata. In browsers, stream bodies need fetch
   * upload streaming (Chromium over HTTP/2); a Blob works everywhere.
   */
  async upload(path: string, body: UploadBody, options: UploadOptions = {}): Promise<StorageObject> {
    const { onProgress, signal } = options;
    const headers: Record<string, string> = {
      'content-type': options.contentType || (body instanceof Blob && body.type) || 'application/octet-stream',
    };
    if (options.upsert) headers['x-upsert'] = 'true';
    const data = bytesOf(body);
    // Events only move forward; the closing one (size, size) is skipped only when it repeats the last.
    let loaded = -1;
    let last = '';
    const report =
      onProgress &&
      ((n: number, total?: number) => {
        const key = `${n}/${total}`;
        if (n < loaded || key === last) return;
        loaded = n;
        last = key;
        onProgress(n, total);
      });
    let result: StorageObject;
    if (report && !(data instanceof ReadableStream) && typeof XMLHttpRequest !== 'undefined') {
      // Browsers' fetch has no upload progress; XHR has, for bodies it can send whole.
      result = await this.xhr(this.object(path), data, headers, report, signal);
    } else {
      let payload: BodyInit = data as BodyInit;
      if (report) {
        // Node's fetch (and any fetch with a stream) reads the body as it sends: count what it reads.
        const total = data instanceof ReadableStream ? undefined : data instanceof Blob ? data.size : data.byteLength;
        const source = data instanceof ReadableStream ? data : slices(data);
        let sent = 0;
        report(0, total);
        payload = source.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              controller.enqueue(chunk);
              report((sent += chunk.byteLength), total);
            },
          }),
        );
      }
      result = await this.http.json(await this.http.send('PUT', this.object(path), { body: payload, headers, signal }), `PUT ${path}`);
    }
    report?.(result.size, result.size);
    return result;
  }

  /** The upload of `upload` through XMLHttpRequest, for its upload progress events. */
  private async xhr(path: string, body: Blob | Uint8Array, headers: Record<string, string>, report: (n: number, total: number) => void, signal?: AbortSignal): Promise<StorageObject> {
    const token = await this.http.bearer();
    const base = this.http.baseUrl;
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const aborted = () => reject(networkError(base, Object.assign(new Error('aborted'), { name: 'AbortError' })));
      if (signal?.aborted) return aborted();
      xhr.open('PUT', this.http.url(path));
      for (const [name, value] of Object.entries({ ...this.http.headers, ...headers })) xhr.setRequestHeader(name, value);
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      const size = body instanceof Blob ? body.size : body.byteLength;
      xhr.upload.onprogress = (e) => report(e.loaded, size);
      xhr.onload = async () => {
        // As a Response, the reply goes through the same parsing as fetch's (the error envelope included).
        const res = new Response(xhr.responseText, { status: xhr.status, headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' } });
        if (res.ok) this.http.json<StorageObject>(res, `PUT ${path}`).then(resolve, reject);
        else reject(await errorOf(res));
      };
      xhr.onerror = xhr.ontimeout = () => reject(networkError(base, new Error('the XMLHttpRequest failed')));
      xhr.onabort = aborted;
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body as XMLHttpRequestBodyInit);
    });
  }

  /** The object's bytes (or a `range` of them) as a Blob. */
  async download(path: string, options: DownloadOptions = {}): Promise<Blob> {
    const res = await this.get(path, options);
    return res.blob().catch((err: unknown) => {
      throw networkError(this.http.baseUrl, err);
    });
  }

  /** The object's bytes as a stream, for objects too large to hold in memory. */
  async downloadStream(path: string, options: DownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return (await this.get(path, options)).body ?? new Blob().stream();
  }

  private get(path: string, { range, signal }: DownloadOptions): Promise<Response> {
    return this.http.send('GET', this.object(path), { headers: range ? { range: `bytes=${range[0]}-${range[1] ?? ''}` } : {}, signal });
  }

  /** Size, type, etag and time of an object, without its bytes (HEAD). */
  async info(path: string): Promise<ObjectInfo> {
    const url = this.object(path);
    const res = await this.http.send('HEAD', url).catch(async (err: BaasError) => {
      if (err.code !== 'unexpected_response') throw err;
      // A failed HEAD has no body, so no error code (nor a token_expired to refresh on): a GET fails with the
      // envelope, or succeeds with the same headers; its body is not wanted.
      const res = await this.http.send('GET', url);
      void res.body?.cancel();
      return res;
    });
    const header = (name: string) => res.headers.get(name) ?? '';
    return {
      size: Number(header('content-length')),
      contentType: header('content-type'),
      etag: header('etag').replace(/"/g, ''),
      lastModified: new Date(header('last-modified')).toISOString(),
    };
  }

  /** One page of objects in path order; the read rule filters it, so a page may be short while `nextCursor` is set. */
  list(options: { prefix?: string; limit?: number; cursor?: string } = {}): Promise<ObjectList> {
    return this.http.request('GET', this.path('/objects'), { query: options });
  }

  /** Every object under `prefix`, page after page (`limit` is the page size). */
  iterate(options: { prefix?: string; limit?: number } = {}): AsyncGenerator<StorageObject> {
    return everyItem((cursor) => this.list({ ...options, cursor }));
  }

  /** Deletes an object (`404 object_not_found` when there is none). */
  async remove(path: string): Promise<void> {
    await this.http.request('DELETE', this.object(path));
  }

  /** A URL that lets anyone holding it read (or upload to) `path` for `expiresIn` seconds (default 3600, at most 7 days). */
  signedUrl(path: string, options: { expiresIn?: number; action?: 'read' | 'write' } = {}): Promise<SignedUrl> {
    return this.http.request('POST', this.path('/sign'), { body: { path, ...options } });
  }

  /**
   * The object's URL, built locally: it works as is for public buckets, or
   * with a `token` from `signedUrl`; `options` add an image transform or
   * `?download`.
   */
  url(path: string, options: UrlOptions = {}): string {
    const { download, ...query } = options;
    return this.http.url(this.object(path), { ...(query as Record<string, QueryValue>), download: download === true ? '' : download || undefined });
  }
}

/** A body as fetch and XHR take it: strings encoded, views narrowed to their bytes, iterables made streams. */
function bytesOf(body: UploadBody): Blob | Uint8Array | ReadableStream<Uint8Array> {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Blob || body instanceof ReadableStream) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  // Not `instanceof ArrayBuffer`: a buffer from another realm (a worker, an iframe) would fail it.
  if (!(Symbol.asyncIterator in body)) return new Uint8Array(body);
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === 'string' ? new TextEncoder().encode(value) : value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** A whole body as a stream of 64 KiB slices: a Blob's own stream may be one chunk, which would make one progress event. */
function slices(data: Blob | Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  const size = data instanceof Blob ? data.size : data.byteLength;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= size) return controller.close();
      const end = offset + 65536;
      controller.enqueue(data instanceof Blob ? new Uint8Array(await data.slice(offset, end).arrayBuffer()) : data.subarray(offset, end));
      offset = end;
    },
  });
}
