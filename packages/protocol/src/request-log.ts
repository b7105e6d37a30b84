/** One request of the instance's request log (`GET /v1/admin/request-log`). */
export interface RequestLogEntry {
  /** Increasing: the log's order and its cursor. */
  id: number;
  /** When the request arrived (ISO 8601). */
  at: string;
  /** Its `x-request-id`, which names its line in the server log. */
  requestId: string;
  method: string;
  /** The route pattern (`/v1/projects/:project/collections/:name/records`); `(no route)` for a 404 no route matched. */
  route: string;
  /** The path and query, secret query values redacted. */
  url: string;
  status: number;
  /** Milliseconds from arrival to the reply's last byte. */
  ms: number;
  /** The project the request was for; null for instance routes. */
  project: string | null;
  actor: 'admin' | 'service' | 'user' | 'guest';
}

/** The filters of the request log and its aggregates; every one is optional. */
export interface RequestLogQuery {
  project?: string;
  /** A status (`404`) or a class (`5xx`). */
  status?: string;
  /** A route pattern, exactly as entries show it. */
  route?: string;
  actor?: RequestLogEntry['actor'];
  /** From this time (inclusive, ISO 8601)... */
  from?: string;
  /** ...to this time (exclusive). */
  to?: string;
}

/** A page of the request log, newest first; `nextCursor` continues with older entries. */
export interface RequestLogPage {
  items: RequestLogEntry[];
  nextCursor: string | null;
}

/** One minute of the request log's aggregates (minutes without requests are left out). */
export interface RequestLogMinute {
  /** The minute's start (ISO 8601). */
  minute: string;
  requests: number;
  /** Requests per second over the minute. */
  rate: number;
  /** Replies with a 5xx status. */
  errors: number;
  /** errors / requests. */
  errorRate: number;
  /** Latency percentiles, in milliseconds. */
  p50: number;
  p99: number;
}

/** `GET /v1/admin/request-log/stats`: per-minute aggregates, oldest first. */
export interface RequestLogStats {
  minutes: RequestLogMinute[];
  /** The fraction of requests the log records (`requestLogSampleRate`): divide counts and rates by it for the real traffic. */
  sampleRate: number;
}
