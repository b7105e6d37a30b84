import type { AddressInfo } from 'node:net';
import type { Config } from '../../server/src/config.ts';
import { startInstance } from '../../server/test/harness.ts';
import { BaasError } from '../src/index.ts';

/**
 * A real baas server on a free 127.0.0.1 port for SDK tests (the SDK talks
 * HTTP, so inject is not enough); `close` is registered with `teardown`.
 * `overrides` change the server's config (a short `accessTokenTtl`...).
 */
export async function startServer(teardown: (fn: () => unknown) => void, overrides: Partial<Config> = {}) {
  const instance = await startInstance('sqlite', undefined, overrides);
  await instance.app.listen({ port: 0, host: '127.0.0.1' });
  teardown(() => {
    // Browsers and Node's fetch keep idle (or half-used, after an abort) connections
    // open; without this, close() waits for each one's keep-alive timeout.
    instance.app.server.closeAllConnections();
    return instance.close();
  });
  return { instance, url: `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}` };
}

/** Runs `fn` and returns the BaasError it throws (fails when it throws nothing or something else). */
export async function failure(fn: () => Promise<unknown>): Promise<BaasError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof BaasError) return err;
    throw err;
  }
  throw new Error('expected a BaasError');
}
