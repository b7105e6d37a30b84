import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createClient, isBaasError, memoryStore, type AdminSession, type BaasClient } from '@baas/sdk';
import { clientFor, closeClients, serverUrl, storeSession, storedSession } from './session.ts';

interface AdminState {
  session: AdminSession | null;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** The SDK client of a project ('' or none: the instance), as the signed-in admin. */
  client(project?: string): BaasClient;
}

const AdminContext = createContext<AdminState | null>(null);

/** Fired by the query cache when the server says the admin token is no longer valid. */
export const UNAUTHORIZED_EVENT = 'baas:unauthorized';

/** Whether an error means the admin session ended (expired, revoked, admin deleted). */
export function endsSession(error: unknown): boolean {
  return isBaasError(error) && error.status === 401;
}

/** The signed-in admin: the session survives a reload (localStorage) and ends on sign-out or a 401. */
export function AdminProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<AdminSession | null>(storedSession);
  const queries = useQueryClient();

  const forget = useCallback(() => {
    storeSession(null);
    closeClients();
    queries.clear();
    setSession(null);
  }, [queries]);

  useEffect(() => {
    window.addEventListener(UNAUTHORIZED_EVENT, forget);
    // Another tab signing in or out.
    const onStorage = (e: StorageEvent) => e.key === 'baas.admin' && setSession(storedSession());
    window.addEventListener('storage', onStorage);
    return () => {
      window.removeEventListener(UNAUTHORIZED_EVENT, forget);
      window.removeEventListener('storage', onStorage);
    };
  }, [forget]);

  const value = useMemo<AdminState>(
    () => ({
      session,
      async signIn(email, password) {
        const anonymous = createClient({ url: serverUrl, auth: { store: memoryStore(), autoRefresh: false } });
        const next = await anonymous.admin.login(email, password);
        anonymous.close();
        storeSession(next);
        setSession(next);
      },
      async signOut() {
        if (session) await clientFor(session.token).admin.logout().catch(() => undefined);
        forget();
      },
      client(project = '') {
        if (!session) throw new Error('not signed in');
        return clientFor(session.token, project);
      },
    }),
    [session, forget],
  );
  return <AdminContext.Provider value={value}>{children}</AdminContext.Provider>;
}

export function useAdmin(): AdminState {
  const state = useContext(AdminContext);
  if (!state) throw new Error('useAdmin outside AdminProvider');
  return state;
}
