/**
 * A syntax or validation error in a filter, rule or sort expression.
 * `message` always ends with "at column N" so it can be shown to a developer as is;
 * `reason` is the same text without the location (for API error details).
 */
export class QueryError extends Error {
  /** 0-based offset of the offending token in the source. */
  readonly position: number;
  /** 1-based column of the offending token (position + 1). */
  readonly column: number;
  /** The message without the " at column N" suffix. */
  readonly reason: string;

  constructor(reason: string, position: number) {
    super(`${reason} at column ${position + 1}`);
    this.name = 'QueryError';
    this.reason = reason;
    this.position = position;
    this.column = position + 1;
  }
}

/** Longest expression source accepted (characters); longer input is refused before lexing. */
export const MAX_SOURCE_LENGTH = 4096;

/** Deepest nesting of parentheses, `!` and lists; keeps recursion (and SQL) bounded. */
export const MAX_DEPTH = 32;
