import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SessionStore } from '../auth/stores.ts';

let written = 0;

/**
 * Keeps sessions in a JSON file (`{key: value}`), readable by its owner only
 * (mode 0600): the store for CLIs and scripts. Writes go to a temporary file
 * that replaces the old one, so a crash never leaves half a file. Changes are
 * serialized within the process; two processes writing at once may lose one
 * of the writes (the last one wins).
 */
export function fileStore(path: string): SessionStore {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `fn` after every earlier operation on this store, whether or not they failed. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const values = JSON.parse(text);
      return values && typeof values === 'object' && !Array.isArray(values) ? values : {};
    } catch {
      // A damaged file holds no usable session; the next write replaces it.
      return {};
    }
  };
  const update = (change: (values: Record<string, string>) => void) =>
    serial(async () => {
      const values = await read();
      change(values);
      // The last session gone: no file is left behind with nothing in it.
      if (Object.keys(values).length === 0) return void (await rm(path, { force: true }));
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${process.pid}.${++written}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(values), { mode: 0o600, flag: 'wx' });
        await rename(temp, path);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    });
  return {
    get: (key) => serial(async () => (await read())[key] ?? null),
    set: (key, value) => update((values) => void (values[key] = value)),
    remove: (key) => update((values) => void delete values[key]),
  };
}
