import type { TestInstance } from './harness.ts';

/** The password the auth test helpers use. */
export const PASSWORD = 'correct horse battery';

/** Signs up a user on `project` (default: the instance's) and answers the session reply; throws on failure. */
export async function signUp(api: TestInstance, email: string, options: { password?: string; project?: string } = {}): Promise<any> {
  const res = await api.request('POST', `/v1/projects/${options.project ?? api.project}/auth/signup`, { body: { email, password: options.password ?? PASSWORD } });
  if (res.status !== 201) throw new Error(`signup ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Logs in and answers the session reply; throws on failure. */
export async function logIn(api: TestInstance, email: string, password = PASSWORD): Promise<any> {
  const res = await api.request('POST', api.p('/auth/login'), { body: { email, password } });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The error code of a reply (undefined for a success). */
export function codeOf(res: { body: any }): string | undefined {
  return res.body?.error?.code;
}
