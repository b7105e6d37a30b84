import { errors as joseErrors, jwtVerify, SignJWT, decodeProtectedHeader } from 'jose';
import type { Database } from '../../db/database.ts';
import type { ProjectHandle } from '../../db/registry.ts';
import { ApiError } from '../../errors.ts';
import { activeSigningKey, SIGNING_ALG, verifyingKey } from './signing-keys.ts';

/**
 * The `iss` of a project's access tokens. Not the public URL: tokens must
 * survive a change of domain or a proxy in front, and the project id already
 * names the signer uniquely within the instance (the keys do across instances).
 */
export function issuerOf(projectId: string): string {
  return `baas:project:${projectId}`;
}

/** RFC 9068's media type: an access token cannot be mistaken for another JWT (say, an ID token). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** The claims baas puts in an access token besides the registered ones. */
export interface AccessClaims {
  sub: string;
  sid: string;
  role: string | null;
  anon: boolean;
}

/** Signs an access token for a session; answers it with its expiry (seconds since the epoch). */
export async function signAccessToken(
  db: Database,
  project: Pick<ProjectHandle, 'id'>,
  claims: AccessClaims,
  ttlSeconds: number,
): Promise<{ token: string; exp: number }> {
  const { kid, key } = await activeSigningKey(db);
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT({ sid: claims.sid, role: claims.role, anon: claims.anon })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(issuerOf(project.id))
    .setAudience(project.id)
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { token, exp };
}

/**
 * Tokens whose signature and claims were already checked, until they expire.
 * The signature check is most of the cost of a user's request, and a token's
 * signature never changes; revocation is not affected, because the session
 * and user are still looked up (authenticateAccessToken) unless the session
 * cache, which revocations clear, holds the answer (session-cache.ts).
 */
const verified = new Map<string, { userId: string; sessionId: string; expiresAt: number }>();
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Checks an access token's signature (EdDSA only, by a key of THIS project
 * found by `kid`), issuer, audience, type and expiry. Answers its subject and
 * session; whether that session still exists is the caller's next question.
 * 401 `token_expired` for an expired token, `invalid_token` for anything else.
 */
export async function verifyAccessToken(
  db: Database,
  project: Pick<ProjectHandle, 'id'>,
  token: string,
): Promise<{ userId: string; sessionId: string; expiresAt: number }> {
  const cacheKey = `${project.id} ${token}`;
  const hit = verified.get(cacheKey);
  if (hit) {
    if (hit.expiresAt > Date.now()) return hit;
    verified.delete(cacheKey);
    throw new ApiError('token_expired', 'the access token has expired; refresh the session');
  }
  const claims = await verifySignedToken(db, project, token);
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
  verified.set(cacheKey, claims);
  return claims;
}

async function verifySignedToken(db: Database, project: Pick<ProjectHandle, 'id'>, token: string): Promise<{ userId: string; sessionId: string; expiresAt: number }> {
  if (token.startsWith('rt_')) throw new ApiError('invalid_token', 'a refresh token is not an access token; exchange it at /auth/refresh');
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new ApiError('invalid_token', 'the token is not recognized');
  }
  if (typeof kid !== 'string') throw new ApiError('invalid_token', 'the access token has no key id');
  const found = await verifyingKey(db, kid);
  if (!found) throw new ApiError('invalid_token', 'the access token was not signed by a key of this project');
  try {
    const { payload } = await jwtVerify(token, found.key, {
      algorithms: [SIGNING_ALG],
      issuer: issuerOf(project.id),
      audience: project.id,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['sub', 'sid', 'exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new ApiError('invalid_token', 'the access token lacks its subject or session');
    return { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp! * 1000 };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new ApiError('token_expired', 'the access token has expired; refresh the session');
    if (err instanceof joseErrors.JOSEError) throw new ApiError('invalid_token', `the access token is not valid (${err.code})`);
    throw err;
  }
}
