import { BaasError } from './errors.ts';

/** A query-string value; undefined entries are left out. */
export type QueryValue = string | number | boolean | undefined;

/** One API call as the resource classes describe it. */
export interface RequestOptions {
  /** A JSON body (serialized here). */
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the fixed credential only, never the user's token (sign-in routes; a refresh must not wait for itself). */
  withoutUser?: boolean;
}

/** A call with a body that is not JSON (uploads) and a reply that may not be either (downloads). */
export interface SendOptions {
  body?: BodyInit | null;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  withoutUser?: boolean;
}

/**
 * Where the transport gets the user's access token (the auth client). Kept
 * as an interface so the transport knows nothing about sessions.
 */
export interface TokenSource {
  /** The access token to send now (refreshed first when it is about to expire), or undefined. */
  accessToken(): Promise<string | undefined>;
  /** After a 401 `token_expired` for `failed`: refresh once; true when a retry may succeed. */
  recover(failed: string): Promise<boolean>;
}

/** Settings the transport needs; see `ClientOptions` for their meaning. */
export interface TransportOptions {
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/**
 * The one place that talks HTTP: builds URLs, sends the bearer credential,
 * retries once after a refresh when an access token expired, and turns
 * every failure into a `BaasError`.
 */
export class Transport {
  /** The server's base URL without a trailing slash. */
  readonly baseUrl: string;
  /** A fixed bearer credential (admin token or secret key), used when no user is signed in. */
  credential: string | undefined;
  /** The signed-in user's tokens; set by the auth client. */
  tokens: TokenSource | undefined;
  readonly fetchImpl: typeof fetch;
  /** Headers sent with every request (the client's `headers` option). */
  readonly headers: Record<string, string>;

  constructor(options: TransportOptions, credential?: string) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    // Bound: a bare `fetch` kept as a property throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = options.headers ?? {};
    this.credential = credential;
  }

  /** The absolute URL of `path` with `query`. */
  url(path: string, query?: Record<string, QueryValue>): string {
    return this.baseUrl + path + queryString(query);
  }

  /** The bearer credential a request would carry now: the user's access token, else the fixed one. */
  async bearer(): Promise<string | undefined> {
    return (await this.tokens?.accessToken()) ?? this.credential;
  }

  /** Sends a JSON request to `path` (starting with `/v1/`) and returns the parsed reply (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    return this.json<T>(await this.send(method, path, { ...options, body, headers }), `${method} ${path}`);
  }

  /** The JSON body of a successful reply (undefined for none); anything else (a proxy's page) is `unexpected_response`. */
  async json<T>(res: Response, what: string): Promise<T> {
    const text = await res.text().catch((err: unknown) => {
      throw networkError(this.baseUrl, err);
    });
    if (res.status === 204 || text === '') return undefined as T;
    const json = parseJson(text);
    if (json === undefined) throw new BaasError(res.status, 'unexpected_response', `expected JSON from ${what}, got: ${text.slice(0, 100)}`);
    return json as T;
  }

  /**
   * Sends any request and returns the `Response` of a success (2xx, 304);
   * a failure becomes a `BaasError`. A body that can be read only once (a
   * stream) is not retried after a refresh: the 401 is thrown instead.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    let token = options.withoutUser ? this.credential : await this.bearer();
    let res = await this.fetchOnce(url, method, token, options);
    const retriable = !options.withoutUser && !(options.body instanceof ReadableStream);
    if (res.status === 401 && token && retriable && this.tokens && (await isExpired(res.clone())) && (await this.tokens.recover(token))) {
      token = await this.bearer();
      res = await this.fetchOnce(url, method, token, options);
    }
    if (!res.ok && res.status !== 304) throw await errorOf(res);
    return res;
  }

  private async fetchOnce(url: string, method: string, token: string | undefined, options: SendOptions): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body: options.body, signal: options.signal };
    // Node's fetch (undici) needs `duplex` to send a stream body; browsers ignore it.
    if (options.body instanceof ReadableStream) init.duplex = 'half';
    try {
      return await this.fetchImpl(url, init);
    } catch (err) {
      throw networkError(this.baseUrl, err);
    }
  }
}

/** `/a/b` from segments, each percent-encoded. */
export function pathOf(...segments: string[]): string {
  return segments.map((s) => '/' + encodeURIComponent(s)).join('');
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function isExpired(res: Response): Promise<boolean> {
  const json = parseJson(await res.text().catch(() => '')) as { error?: { code?: unknown } } | undefined;
  return json?.error?.code === 'token_expired';
}

/** The `BaasError` of a failed reply: the server's envelope, or `unexpected_response` for anything else. */
export async function errorOf(res: Response): Promise<BaasError> {
  const text = await res.text().catch(() => '');
  const error = (parseJson(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
    return new BaasError(res.status, error.code, typeof error.message === 'string' ? error.message : error.code, details);
  }
  return new BaasError(res.status, 'unexpected_response', `HTTP ${res.status}${text ? `: ${text.slice(0, 100)}` : ''}`);
}

/** The `BaasError` of a request that got no reply (status 0, `network_error`). */
export function networkError(baseUrl: string, err: unknown): BaasError {
  if (err instanceof Error && err.name === 'AbortError') {
    return new BaasError(0, 'network_error', `the request to ${baseUrl} was aborted`, { reason: 'aborted' }, { cause: err });
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new BaasError(0, 'network_error', `the server is not reachable at ${baseUrl} (${reason})`, { reason }, { cause: err });
}
