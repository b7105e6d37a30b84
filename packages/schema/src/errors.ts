import type { FieldError } from '@baas/protocol';

/** Per-path problems, keyed like `fields.2.name` or `title`. */
export type FieldErrors = Record<string, FieldError>;

/**
 * A collection definition was refused. `details.fields` lists every problem
 * (not just the first) so a dashboard can mark them all at once.
 */
export class SchemaError extends Error {
  /** The API error code (HTTP 400). */
  readonly code = 'invalid_schema' as const;
  /** Every problem, keyed by path: `name`, `fields.2.type`, `rules.list`, `indexes.0.fields`. */
  readonly details: { fields: FieldErrors };

  constructor(fields: FieldErrors, message = summarize('invalid collection definition', fields)) {
    super(message);
    this.name = 'SchemaError';
    this.details = { fields };
  }
}

/**
 * A record body was refused. `details.fields` is keyed by field name and lists
 * every bad field at once.
 */
export class RecordValidationError extends Error {
  /** The API error code (HTTP 400). */
  readonly code = 'validation_failed' as const;
  /** Every problem, keyed by field name. */
  readonly details: { fields: FieldErrors };

  constructor(fields: FieldErrors, message = summarize('invalid record', fields)) {
    super(message);
    this.name = 'RecordValidationError';
    this.details = { fields };
  }
}

/** `invalid record: title is required; nope: unknown field` — readable in logs. */
function summarize(prefix: string, fields: FieldErrors): string {
  const parts = Object.entries(fields).map(([path, e]) => `${path}: ${e.message}`);
  if (parts.length === 0) return prefix;
  const shown = parts.slice(0, 5).join('; ');
  return `${prefix}: ${shown}${parts.length > 5 ? ` (and ${parts.length - 5} more)` : ''}`;
}

/**
 * Collects problems while a validator walks its input; the first problem per
 * path wins because later ones are usually consequences of it.
 * @internal
 */
export class ErrorBag {
  readonly fields: FieldErrors = {};

  add(path: string, code: string, message: string): void {
    // defineProperty, not assignment: a body key `__proto__` must be reported, not set a prototype.
    if (!Object.hasOwn(this.fields, path)) {
      Object.defineProperty(this.fields, path, { value: { code, message }, enumerable: true, writable: true, configurable: true });
    }
  }

  has(path: string): boolean {
    return Object.hasOwn(this.fields, path);
  }

  get empty(): boolean {
    return Object.keys(this.fields).length === 0;
  }
}
