import { useEffect, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAdmin } from '../lib/admin.tsx';
import { TextField } from '../ui/field.tsx';
import { ErrorMessage } from '../ui/states.tsx';

/** Sign-in as an instance admin (the account `baas init` or `pnpm start` printed). */
export function SignInPage() {
  const admin = useAdmin();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    document.title = 'Sign in · baas';
  }, []);
  if (admin.session) return <Navigate to={(location.state as { from?: string } | null)?.from ?? '/'} replace />;

  return (
    <main className="center-page">
      <form
        className="panel signin stack"
        aria-label="Sign in"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await admin.signIn(email, password);
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">b</span>baas
        </div>
        <h1 style={{ textAlign: 'center' }}>Sign in to the dashboard</h1>
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorMessage error={error} title="Could not sign in" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small" style={{ margin: 0 }}>
          The first admin account is printed by <code>pnpm start</code> (or <code>baas init</code>) on its first run. Forgot it? <code>baas admins reset-password</code>.
        </p>
      </form>
    </main>
  );
}
