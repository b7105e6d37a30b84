/**
 * Where a session is persisted. Values are strings (JSON); an adapter may be
 * synchronous (localStorage) or not (a file, a keychain).
 */
export interface SessionStore {
  get(key: string): string | null | Promise<string | null>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /**
   * Optional: calls `onChange` with the new value when someone else (another
   * tab) changes `key`; returns the function that stops watching. The auth
   * client follows such changes, so tabs share sign-in, refresh and sign-out.
   */
  watch?(key: string, onChange: (value: string | null) => void): () => void;
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

/** `localStorage` as a session store; other tabs' changes arrive through the `storage` event. */
export function localStorageStore(storage: Storage = globalThis.localStorage): SessionStore {
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
    watch(key, onChange) {
      // Browsers fire `storage` in every tab but the writer; `key: null` is a `clear()`.
      const listener = (e: StorageEvent) => {
        if (e.storageArea === storage && (e.key === key || e.key === null)) onChange(storage.getItem(key));
      };
      globalThis.addEventListener?.('storage', listener);
      return () => globalThis.removeEventListener?.('storage', listener);
    },
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
