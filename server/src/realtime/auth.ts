import { decodeJwt } from 'jose';
import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import type { Actor } from '../services/context.ts';
import { keysService } from '../services/keys.ts';
import { authenticateAccessToken } from '../services/auth/sessions.ts';
import { authInfoOf } from '../services/auth/users.ts';
import { guestViewer, privilegedViewer, userViewer, type Viewer } from './judge.ts';

/** Who a token makes the connection, and until when (ms since epoch; undefined = no expiry). */
export interface Identity {
  viewer: Viewer;
  expiresAt?: number;
}

/**
 * Resolves the token of an `auth` message like the HTTP actor plugin does:
 * an admin token or a secret key (rules do not apply), or a user access token
 * (checked against its session, which must still exist). ApiError
 * `invalid_token` / `token_expired` otherwise.
 */
export async function authenticate(services: Services, project: ProjectHandle, token: string): Promise<Identity> {
  if (token.startsWith('adm_')) {
    if (!(await services.admins.authenticate(token))) throw new ApiError('invalid_token', 'the admin session is unknown or expired');
    return { viewer: privilegedViewer };
  }
  if (token.startsWith('sk_')) {
    if (!(await keysService.resolve(project.db, token))) throw new ApiError('invalid_token', 'the secret key is not valid for this project');
    return { viewer: privilegedViewer };
  }
  const { user } = await authenticateAccessToken(project.db, project, token);
  const exp = decodeJwt(token).exp;
  return { viewer: userViewer(authInfoOf(user)), expiresAt: exp === undefined ? undefined : exp * 1000 };
}

/** The identity of the upgrade request's actor and its bearer token (a Node client may send `Authorization`; browsers use `auth`). */
export function identityOfActor(actor: Actor, token: string | undefined): Identity {
  if (actor.kind === 'admin' || actor.kind === 'service') return { viewer: privilegedViewer };
  if (actor.kind === 'guest') return { viewer: guestViewer };
  const exp = token ? decodeJwt(token).exp : undefined;
  return { viewer: userViewer(actor.user), expiresAt: exp === undefined ? undefined : exp * 1000 };
}
