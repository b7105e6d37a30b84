import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string;
}

/** A labelled input with an optional hint and error, wired with aria attributes. */
export function TextField({ label, hint, error, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={hint || error ? `${id}-d` : undefined} {...input} />
      <FieldNote id={`${id}-d`} hint={hint} error={error} />
    </div>
  );
}

/** A labelled textarea. */
export function TextArea({ label, hint, error, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={hint || error ? `${id}-d` : undefined} {...input} />
      <FieldNote id={`${id}-d`} hint={hint} error={error} />
    </div>
  );
}

/** A labelled select over `options` ([value, label] pairs or plain values). */
export function SelectField({ label, hint, error, options, ...select }: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: Array<string | [string, string]> }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={hint || error ? `${id}-d` : undefined} {...select}>
        {options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
      <FieldNote id={`${id}-d`} hint={hint} error={error} />
    </div>
  );
}

/** A checkbox with its label beside it. */
export function Checkbox({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className="check">
      <input type="checkbox" {...input} />
      {label}
    </label>
  );
}

function FieldNote({ id, hint, error }: { id: string; hint?: ReactNode; error?: string }) {
  if (!hint && !error) return null;
  return (
    <span id={id} className={error ? 'field-error' : 'field-hint'}>
      {error ?? hint}
    </span>
  );
}
