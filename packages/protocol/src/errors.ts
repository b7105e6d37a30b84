/**
 * The error registry: every error the API answers with has a stable snake_case
 * code and one HTTP status. Clients switch on `code`, never on `message`.
 */
export const errorStatus = {
  validation_failed: 400,
  invalid_filter: 400,
  invalid_sort: 400,
  invalid_rule: 400,
  invalid_schema: 400,
  invalid_cursor: 400,
  /** A bad `groupBy`, `select` or `sort` of an aggregate (`details.parameter`, `details.position`). */
  invalid_aggregate: 400,
  /** A search that cannot run: too long, or on a collection without a `search` option. */
  invalid_search: 400,
  invalid_path: 400,
  invalid_transform: 400,
  /** A backup archive that cannot be restored: damaged, of another format or engine, or without what was asked for. */
  invalid_backup: 400,
  /** An email-flow token or code that is unknown, used, expired or locked. */
  invalid_email_token: 400,
  /** An OAuth sign-in that cannot go on: unknown, used or expired state or sign-in code (`details.reason`). */
  oauth_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  forbidden: 403,
  /** No route for the method and path (or no dashboard file). */
  route_not_found: 404,
  admin_not_found: 404,
  user_not_found: 404,
  session_not_found: 404,
  key_not_found: 404,
  provider_not_found: 404,
  backup_not_found: 404,
  project_not_found: 404,
  collection_not_found: 404,
  record_not_found: 404,
  bucket_not_found: 404,
  object_not_found: 404,
  conflict: 409,
  unique_violation: 409,
  /** A collection change would remove fields that hold data; `details.drop` lists them (`[{field, records}]`). */
  would_drop_data: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  /** The URL or the headers are over the server's size limit. */
  headers_too_large: 431,
  internal_error: 500,
  /** The SMTP server refused a message or could not be reached (`details.reason`); only the test mail reports it. */
  mail_failed: 502,
  /** The instance cannot serve: a dependency it needs (the database, S3) did not answer (`details.failing`). Health only. */
  unavailable: 503,
} as const;

/** A stable error code of the API. */
export type ErrorCode = keyof typeof errorStatus;

/** The body of every error reply: `{"error": {...}}`. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
    /** On a 5xx: the request's `x-request-id`, which names its line in the server's log. */
    requestId?: string;
  };
}

/** One problem with one field, as listed in `details.fields` of a 400. */
export interface FieldError {
  code: string;
  message: string;
}
