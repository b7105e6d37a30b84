import { BaasError } from './errors.ts';

/** A query-string value; undefined entries are left out. */
export type QueryValue = string | number | boolean | undefined;

/** One API call as the resource classes describe it. */
export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Extra headers, e.g. for a later upload API. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Settings the transport needs; see `ClientOptions` for their meaning. */
export interface TransportOptions {
  url: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/**
 * The one place that talks HTTP: builds URLs, sends the bearer credential,
 * parses JSON and turns every failure into a `BaasError`.
 */
export class Transport {
  /** The server's base URL without a trailing slash. */
  readonly baseUrl: string;
  /** The current bearer credential (admin token, secret key or user token). */
  credential: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(options: TransportOptions, credential?: string) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.headers = options.headers ?? {};
    this.credential = credential;
  }

  /** Sends a request to `path` (starting with `/v1/`) and returns the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.baseUrl + path + queryString(options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...options.headers };
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: options.signal });
    } catch (err) {
      throw networkError(this.baseUrl, err);
    }
    const text = await res.text().catch((err: unknown) => {
      throw networkError(this.baseUrl, err);
    });
    const json = parseJson(text);
    if (!res.ok) throw errorFrom(res.status, json, text);
    if (res.status === 204 || text === '') return undefined as T;
    if (json === undefined) throw new BaasError(res.status, 'unexpected_response', `expected JSON from ${method} ${path}, got: ${text.slice(0, 100)}`);
    return json as T;
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

function errorFrom(status: number, json: unknown, text: string): BaasError {
  const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
    return new BaasError(status, error.code, typeof error.message === 'string' ? error.message : error.code, details);
  }
  return new BaasError(status, 'unexpected_response', `HTTP ${status}${text ? `: ${text.slice(0, 100)}` : ''}`);
}

function networkError(baseUrl: string, err: unknown): BaasError {
  if (err instanceof Error && err.name === 'AbortError') {
    return new BaasError(0, 'network_error', `the request to ${baseUrl} was aborted`, undefined, { cause: err });
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new BaasError(0, 'network_error', `the server is not reachable at ${baseUrl} (${reason})`, { reason }, { cause: err });
}
