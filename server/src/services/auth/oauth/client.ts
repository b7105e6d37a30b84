import * as oidc from 'openid-client';
import { hashSecret } from '../../../crypto.ts';
import { githubProfile, githubServer } from './github.ts';
import { isLoopback, type OAuthProvider } from './providers.ts';

/** Who signed in at the provider, reduced to what linking needs. */
export interface ProviderProfile {
  /** The provider's stable id of the person (`sub`, or GitHub's numeric id). */
  subject: string;
  email: string | null;
  /** Only true when the provider asserted it (`email_verified: true`, or GitHub's verified primary email). */
  emailVerified: boolean;
  name: string | null;
  avatarUrl: string | null;
}

/** The one-time values of one authorization request; the flow stores them until the callback. */
export interface AuthorizationChecks {
  state: string;
  codeVerifier: string;
  /** For OpenID providers; GitHub issues no ID token to carry it. */
  nonce: string | null;
}

// Discovery costs a round trip per request; the metadata changes rarely. The key holds everything
// the Configuration is built from, so an edited provider never reuses a stale one.
const cache = new Map<string, { config: Promise<oidc.Configuration>; until: number }>();
const CACHE_TTL_MS = 3600_000;
const CACHE_MAX = 200;

async function configurationOf(provider: OAuthProvider): Promise<oidc.Configuration> {
  const key = [provider.kind, provider.issuer, provider.clientId, hashSecret(provider.clientSecret)].join('\n');
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.config;
  if (cache.size >= CACHE_MAX) cache.clear();
  const config =
    provider.kind === 'github'
      ? Promise.resolve(new oidc.Configuration(githubServer, provider.clientId, provider.clientSecret))
      : oidc.discovery(new URL(provider.issuer!), provider.clientId, provider.clientSecret, undefined, {
          // Plain http passed validation only for loopback issuers (local development, tests).
          execute: new URL(provider.issuer!).protocol === 'http:' && isLoopback(new URL(provider.issuer!).hostname) ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        });
  cache.set(key, { config, until: Date.now() + CACHE_TTL_MS });
  // A failed discovery must not be remembered for an hour.
  config.catch(() => cache.delete(key));
  return config;
}

/** Fresh random state, PKCE verifier and (for OpenID providers) nonce. */
export function newChecks(provider: OAuthProvider): AuthorizationChecks {
  return {
    state: oidc.randomState(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    nonce: provider.kind === 'github' ? null : oidc.randomNonce(),
  };
}

/** The provider's authorization URL for one request, PKCE S256 always. */
export async function authorizationUrl(provider: OAuthProvider, callbackUrl: string, checks: AuthorizationChecks): Promise<URL> {
  const config = await configurationOf(provider);
  const parameters: Record<string, string> = {
    redirect_uri: callbackUrl,
    scope: provider.scopes.join(' '),
    state: checks.state,
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (checks.nonce) parameters.nonce = checks.nonce;
  return oidc.buildAuthorizationUrl(config, parameters);
}

/**
 * Validates the authorization response (state, `iss` when the provider sends
 * it), exchanges the code with the stored PKCE verifier, validates the ID token
 * (signature, issuer, audience, expiry, nonce) and answers who signed in.
 * Throws when any of that fails.
 */
export async function exchangeCode(
  provider: OAuthProvider,
  callbackUrl: string,
  params: URLSearchParams,
  checks: AuthorizationChecks,
): Promise<ProviderProfile> {
  const config = await configurationOf(provider);
  // openid-client derives the redirect_uri of the token request from this URL, so it must be the registered callback.
  const current = new URL(callbackUrl);
  for (const [k, v] of params) current.searchParams.append(k, v);
  if (provider.kind === 'github') {
    const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state });
    return githubProfile(tokens.access_token);
  }
  const tokens = await oidc.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: checks.codeVerifier,
    expectedState: checks.state,
    expectedNonce: checks.nonce ?? undefined,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  let info: Record<string, unknown> = claims;
  // Many providers keep email claims out of the ID token when an access token is issued; userinfo has them.
  if (claims.email === undefined && config.serverMetadata().userinfo_endpoint) {
    info = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), sub: claims.sub };
  }
  const email = typeof info.email === 'string' && info.email ? info.email : null;
  return {
    subject: claims.sub,
    email,
    // Some providers send the claim as a string; anything but an explicit true is unverified.
    emailVerified: email !== null && (info.email_verified === true || info.email_verified === 'true'),
    name: typeof info.name === 'string' ? info.name : null,
    avatarUrl: typeof info.picture === 'string' ? info.picture : null,
  };
}
