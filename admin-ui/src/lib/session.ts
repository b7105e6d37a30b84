import { createClient, memoryStore, type AdminSession, type BaasClient } from '@baas/sdk';

/** The dashboard is served by the server it manages: same origin. */
export const serverUrl = location.origin;

const STORAGE_KEY = 'baas.admin';

/** The signed-in admin's session as kept in localStorage (the token survives a reload). */
export function storedSession(): AdminSession | null {
  try {
    const session = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as AdminSession | null;
    return session && Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function storeSession(session: AdminSession | null): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

const clients = new Map<string, BaasClient>();

/**
 * The SDK client for `project` (or the instance, for ''), sending the admin
 * token. Users never sign in through these clients, so their session store is
 * memory: nothing of a project user's leaks into the admin's localStorage.
 */
export function clientFor(token: string, project = ''): BaasClient {
  const key = `${token}:${project}`;
  let client = clients.get(key);
  if (!client) {
    client = createClient({ url: serverUrl, project: project || undefined, token, auth: { store: memoryStore(), autoRefresh: false } });
    clients.set(key, client);
  }
  return client;
}

/** Closes every client (their realtime sockets): on sign-out. */
export function closeClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}
