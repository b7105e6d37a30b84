import type { ReactNode } from 'react';
import { isBaasError } from '@baas/sdk';

/** A spinner with a label that screen readers announce. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** The empty state of a list: what is missing and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** The text of any failure: a BaasError's message, else the error's. */
export function messageOf(error: unknown): string {
  if (isBaasError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

type FieldProblems = Record<string, { code?: string; message?: string }>;

/** Per-field problems of a validation error (`details.fields`), if any. */
export function fieldProblems(error: unknown): FieldProblems {
  if (!isBaasError(error)) return {};
  const fields = error.details?.fields;
  return fields && typeof fields === 'object' ? (fields as FieldProblems) : {};
}

/**
 * An error envelope as a person reads it: the message, the code for whoever
 * searches the docs, and one line per offending field.
 */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const fields = Object.entries(fieldProblems(error));
  const code = isBaasError(error) ? error.code : undefined;
  return (
    <div className="alert alert-error" role="alert">
      <strong>{title ?? 'Something went wrong'}:</strong> {messageOf(error)}
      {code && <span className="badge" style={{ marginLeft: '0.5rem' }}>{code}</span>}
      {fields.length > 0 && (
        <ul>
          {fields.map(([name, problem]) => (
            <li key={name}>
              <code>{name}</code>: {problem.message ?? problem.code}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
