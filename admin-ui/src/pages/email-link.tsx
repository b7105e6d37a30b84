import { useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { createClient, memoryStore } from '@baas/sdk';
import { serverUrl } from '../lib/session.ts';
import { TextField } from '../ui/field.tsx';
import { ErrorMessage, Loading } from '../ui/states.tsx';

type LinkType = 'verify_email' | 'password_reset' | 'magic_link' | 'email_change';

const titles: Record<LinkType, string> = {
  verify_email: 'Confirm your email address',
  password_reset: 'Choose a new password',
  magic_link: 'Sign in',
  email_change: 'Confirm your new email address',
};

/**
 * The page a link in an auth email opens when the project has no app URL
 * (`siteUrl`): it reads the token from the URL fragment (never sent to a
 * server) and posts it to the confirm route of its type.
 */
export default function EmailLinkPage() {
  const { project = '' } = useParams();
  const params = useMemo(() => new URLSearchParams(location.hash.slice(1)), []);
  const type = params.get('type') as LinkType | null;
  const token = params.get('token') ?? '';
  const client = useMemo(() => createClient({ url: serverUrl, project, auth: { store: memoryStore(), autoRefresh: false } }), [project]);
  const [state, setState] = useState<'idle' | 'working' | 'done'>(type === 'password_reset' ? 'idle' : 'working');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState('');
  // A token is single-use: confirm it once, even if the effect runs twice.
  const started = useRef(false);

  useEffect(() => {
    document.title = type ? titles[type] : 'Email link';
    // The token stays out of the history and of anything copied from the address bar.
    history.replaceState(null, '', location.pathname);
    if (!type || !token || type === 'password_reset' || started.current) return;
    started.current = true;
    const confirm = async () => {
      if (type === 'verify_email') {
        const user = await client.auth.confirmEmail({ token });
        return `${user.email} is confirmed. You can close this page.`;
      }
      if (type === 'email_change') {
        const user = await client.auth.confirmEmailChange({ token });
        return `Your account now uses ${user.email}. You can close this page.`;
      }
      const session = await client.auth.verifyMagicLink({ token });
      return `You are signed in as ${session.user.email}. Go back to the app to continue.`;
    };
    confirm().then(
      (text) => {
        setMessage(text);
        setState('done');
      },
      (err) => {
        setError(err);
        setState('idle');
      },
    );
  }, [client, type, token]);

  return (
    <main className="center-page">
      <div className="panel signin stack">
        <h1>{type ? titles[type] : 'This link is incomplete'}</h1>
        <p className="muted small" style={{ margin: 0 }}>Project <code>{project}</code></p>
        {!type || !token ? <p>Open the link from the email again, in full.</p> : null}
        {state === 'working' && <Loading label="Checking the link…" />}
        {state === 'done' && <div className="alert alert-ok" role="status">{message}</div>}
        <ErrorMessage error={error} title="This link did not work" />
        {type === 'password_reset' && token && state !== 'done' && (
          <form
            className="stack"
            onSubmit={async (e) => {
              e.preventDefault();
              setError(null);
              setState('working');
              try {
                const user = await client.auth.confirmPasswordReset({ token, password });
                setMessage(`The password of ${user.email} is changed, and every session ended. Sign in again in the app.`);
                setState('done');
              } catch (err) {
                setError(err);
                setState('idle');
              }
            }}
          >
            <TextField label="New password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
            <button type="submit" className="primary" disabled={state === 'working'}>Set the new password</button>
          </form>
        )}
      </div>
    </main>
  );
}
