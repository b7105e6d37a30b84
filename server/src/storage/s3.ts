import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { assertKey, meterFrom, type BlobDriver, type ByteRange, type PutOptions, type PutResult } from './driver.ts';

/** Parts of a multipart upload: S3's minimum is 5 MiB; 8 MiB x 2 in flight bounds memory to ~16 MiB per upload. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** The settings an S3 client is made from (shared by blob storage and backup uploads). */
export type S3Settings = Pick<Config, 's3Endpoint' | 's3Region' | 's3Bucket' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3ForcePathStyle' | 's3ChecksumMode'>;

/** An S3 client for the configured endpoint, region and credentials. */
export function s3ClientOf(config: Omit<S3Settings, 's3Bucket'>): S3Client {
  // Streamed bodies with flexible checksums get aws-chunked framing that many S3-compatible
  // servers store verbatim inside the object; 'when_required' turns that off.
  const checksums = config.s3ChecksumMode === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    endpoint: config.s3Endpoint,
    region: config.s3Region,
    forcePathStyle: config.s3ForcePathStyle,
    credentials: config.s3AccessKeyId && config.s3SecretAccessKey
      ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey }
      : undefined,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  });
}

/**
 * Blobs as objects of one S3 (or S3-compatible) bucket, keyed by the blob key.
 * Uploads go through lib-storage's `Upload`: one PutObject for a small body,
 * a multipart upload for a large one, never the whole body in memory.
 */
export class S3Driver implements BlobDriver {
  readonly name = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3Settings) {
    if (!config.s3Bucket) throw new Error('s3Bucket is required for the s3 storage driver');
    this.bucket = config.s3Bucket;
    this.client = s3ClientOf(config);
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    assertKey(key);
    const meter = meterFrom(body, options.maxSize);
    // The first failure of the body (413, an aborted request) is the one to report: a failed
    // AbortMultipartUpload afterwards (s3rver answers 405) must not replace it.
    let streamError: unknown;
    meter.once('error', (err) => (streamError ??= err));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: meter, ContentType: options.contentType },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // A single-part PutObject may have completed before a later failure was noticed.
      await this.delete(key).catch(() => undefined);
      throw streamError ?? err;
    }
    return meter.result();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertKey(key);
    const res = await this.client.send(new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Range: range ? `bytes=${range.start}-${range.end}` : undefined,
    }));
    return res.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async exists(key: string): Promise<boolean> {
    assertKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as Error).name === 'NotFound') return false;
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertKey(`${prefix}/x`);
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      // One DeleteObject per key: DeleteObjects needs a Content-MD5 that some S3-compatible servers reject.
      for (const item of page.Contents ?? []) if (item.Key) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: item.Key }));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
