import type { FieldError } from '@baas/protocol';

/** Per-path problems, keyed like `fields.2.name` or `title`. */
export type FieldErrors = Record<string, FieldError>;

/** A refusal listing every problem at once, keyed by path, so a client can mark them all. */
abstract class FieldErrorsError<Code extends string> extends Error {
  /** The API error code (HTTP 400). */
  abstract readonly code: Code;
  readonly details: { fields: FieldErrors };

  constructor(fields: FieldErrors, message: string) {
    super(message);
    this.name = new.target.name;
    this.details = { fields };
  }
}

/**
 * A collection definition was refused. `details.fields` is keyed by path:
 * `name`, `fields.2.type`, `rules.list`, `indexes.0.fields`.
 */
export class SchemaError extends FieldErrorsError<'invalid_schema'> {
  readonly code = 'invalid_schema' as const;
  constructor(fields: FieldErrors, message = summarize('invalid collection definition', fields)) {
    super(fields, message);
  }
}

/** A record body was refused. `details.fields` is keyed by field name. */
export class RecordValidationError extends FieldErrorsError<'validation_failed'> {
  readonly code = 'validation_failed' as const;
  constructor(fields: FieldErrors, message = summarize('invalid record', fields)) {
    super(fields, message);
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
