import { useState } from 'react';

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="small"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A secret shown once, with a copy button and the warning that it will not be shown again. */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div className="alert alert-warn stack" role="status">
      <div>
        <strong>{label}</strong> — copy it now: it is shown only once.
      </div>
      <div className="secret">
        <code aria-label={label}>{secret}</code>
        <CopyButton text={secret} label={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}
