/**
 * Where a session is persisted. Values are strings (JSON); an adapter may be
 * synchronous (localStorage) or not (a file, a keychain).
 */
export interface SessionStore {
  get(key: string): string | null | Promise<string | null>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

/** Keeps the session in memory: the default in Node (nothing survives a restart). */
export function memoryStore(): SessionStore {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => void values.set(key, value),
    remove: (key) => void values.delete(key),
  };
}

/** `localStorage` as a session store. */
export function localStorageStore(storage: Storage = globalThis.localStorage): SessionStore {
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
  };
}

/** localStorage where there is one (browsers), else memory (Node). */
export function defaultStore(): SessionStore {
  try {
    if (typeof globalThis.localStorage?.getItem === 'function') return localStorageStore();
  } catch {
    // Access to localStorage throws in some sandboxed iframes: fall back to memory.
  }
  return memoryStore();
}
