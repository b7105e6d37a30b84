import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog.tsx';
import { ErrorMessage } from './states.tsx';
import { TextField } from './field.tsx';

/**
 * A confirmation for what cannot be undone. With `typed`, the person types
 * that word (a project id, a collection name) before the button works.
 */
export function ConfirmDialog({ title, children, action, typed, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  action: string;
  typed?: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ready = typed === undefined || text === typed;
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!ready) return;
          setBusy(true);
          setError(null);
          try {
            await onConfirm();
            onClose();
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <div>{children}</div>
        {typed !== undefined && (
          <TextField label={`Type ${typed} to confirm`} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" autoFocus />
        )}
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger solid" disabled={!ready || busy}>
            {busy ? 'Working…' : action}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
