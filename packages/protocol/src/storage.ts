/** A bucket as the API shows it. */
export interface StorageBucket {
  name: string;
  /** Public buckets serve object reads (GET/HEAD) to anyone, without the read rule; listing still needs the rule. */
  public: boolean;
  /** Largest object in bytes; null = the server's limit (5 GiB). */
  maxSize: number | null;
  /** Accepted content types (`image/*` matches any image); null = any. */
  allowedTypes: string[] | null;
  /** null = service role only; "" = everyone; else a rule over auth.* and object.*. */
  rules: { read: string | null; write: string | null };
  createdAt: string;
  updatedAt: string;
}

/** The fields a bucket create or update may set. */
export interface StorageBucketInput {
  name?: string;
  public?: boolean;
  maxSize?: number | null;
  allowedTypes?: string[] | null;
  rules?: { read?: string | null; write?: string | null };
}

/** An object's metadata as the API shows it. */
export interface StorageObject {
  bucket: string;
  path: string;
  size: number;
  contentType: string;
  sha256: string;
  /** The entity tag (unquoted): the sha256, so it is the same on every driver. */
  etag: string;
  /** The uploader's user id; null when the service role or an admin uploaded it. */
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}
