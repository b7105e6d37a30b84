import { useId, useMemo } from 'react';
import { check, parse, QueryError, type SchemaLookup } from '@baas/query';

/** Where the expression failed, as the API reports it: the message and the 0-based position. */
export interface ExpressionProblem {
  message: string;
  position?: number;
}

/**
 * The problem of an expression, checked here with the server's own parser
 * and checker (@baas/query), so a typo shows as it is typed with the
 * position the API would report. Without `lookup` only the syntax is checked.
 */
export function expressionProblem(source: string, lookup?: SchemaLookup, collection = ''): ExpressionProblem | undefined {
  if (source.trim() === '') return undefined;
  try {
    const expr = parse(source);
    if (lookup) check(expr, { schema: lookup, collection });
    return undefined;
  } catch (err) {
    if (err instanceof QueryError) return { message: err.message, position: err.position };
    return { message: err instanceof Error ? err.message : String(err) };
  }
}

/** The source with a caret under the failing column, for a monospace block. */
export function pointAt(source: string, position: number): string {
  const before = source.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = source.indexOf('\n', position);
  const line = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return `${line}\n${' '.repeat(position - lineStart)}^`;
}

/** A problem with its caret, announced to screen readers. */
export function ProblemText({ id, source, problem }: { id?: string; source: string; problem: ExpressionProblem }) {
  return (
    <div id={id} className="field-error" role="alert">
      {problem.message}
      {problem.position !== undefined && <pre className="rule-error">{pointAt(source, problem.position)}</pre>}
    </div>
  );
}

type Mode = 'locked' | 'everyone' | 'rule';

/**
 * One rule: locked (null: service role only), everyone (""), or an
 * expression, checked as it is typed. `serverProblem` is what the API said on
 * the last save.
 */
export function RuleInput({ label, value, onChange, lookup, collection, serverProblem, hint }: {
  label: string;
  value: string | null;
  onChange: (value: string | null) => void;
  lookup?: SchemaLookup;
  collection?: string;
  serverProblem?: ExpressionProblem;
  hint?: string;
}) {
  const id = useId();
  const mode: Mode = value === null ? 'locked' : value.trim() === '' ? 'everyone' : 'rule';
  const local = useMemo(() => (value ? expressionProblem(value, lookup, collection) : undefined), [value, lookup, collection]);
  const problem = local ?? serverProblem;
  return (
    <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend style={{ fontWeight: 600, padding: 0, marginBottom: '0.3rem' }}>{label}</legend>
      <div className="row" role="radiogroup" aria-label={`${label}: who may`}>
        {(
          [
            ['locked', 'Service role only'],
            ['everyone', 'Everyone'],
            ['rule', 'Rule'],
          ] as const
        ).map(([m, text]) => (
          <label key={m} className="check">
            <input
              type="radio"
              name={id}
              checked={mode === m}
              onChange={() => onChange(m === 'locked' ? null : m === 'everyone' ? '' : value?.trim() ? value : 'auth.id != null')}
            />
            {text}
          </label>
        ))}
      </div>
      {mode === 'rule' && (
        <>
          <label htmlFor={`${id}-x`} className="sr-only">
            {label} expression
          </label>
          <textarea
            id={`${id}-x`}
            className="code"
            rows={2}
            spellCheck={false}
            value={value ?? ''}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${id}-p`}
            onChange={(e) => onChange(e.target.value)}
          />
          {problem ? <ProblemText id={`${id}-p`} source={value ?? ''} problem={problem} /> : <span id={`${id}-p`} className="field-hint">{hint}</span>}
        </>
      )}
    </fieldset>
  );
}
