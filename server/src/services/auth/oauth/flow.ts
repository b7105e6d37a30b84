import { sql } from 'drizzle-orm';
import type { SessionReply } from '@baas/protocol';
import type { Database } from '../../../db/database.ts';
import { asUniqueViolation } from '../../../db/database.ts';
import { isPrivileged, type ServiceContext } from '../../context.ts';
import { ApiError } from '../../../errors.ts';
import { hashSecret, randomToken } from '../../../crypto.ts';
import { newId, nowIso } from '../../../ids.ts';
import { proveAddress } from '../address-proof.ts';
import { issueSession } from '../sessions.ts';
import { getAuthSettings, isAllowedRedirect } from '../settings.ts';
import { createUser, findUserByEmail, getUser, normalizeEmail, type UserRow } from '../users.ts';
import { authorizationUrl, exchangeCode, newChecks, type ProviderProfile } from './client.ts';
import { getProvider, listProviders, publicProvider, type OAuthProvider, type PublicOAuthProvider } from './providers.ts';

/** How long a started authorization may take at the provider. */
export const STATE_TTL_SECONDS = 600;
/** How long the app has to exchange the one-time code it was redirected with. */
export const EXCHANGE_CODE_TTL_SECONDS = 60;

/** Where the provider sends the browser back: what the operator registers at the provider. */
export function callbackUrl(ctx: Pick<ServiceContext, 'publicUrl' | 'project'>, provider: string): string {
  return `${ctx.publicUrl.replace(/\/+$/, '')}/v1/projects/${ctx.project.id}/auth/oauth/${provider}/callback`;
}

/** A provider as its configuration is shown to the service role: no secret, and the callback URL to register. */
export function configuredProvider(ctx: ServiceContext, provider: OAuthProvider): PublicOAuthProvider & { callbackUrl: string } {
  return { ...publicProvider(provider), callbackUrl: callbackUrl(ctx, provider.name) };
}

/**
 * The providers as the caller may see them: a login page needs to know which
 * buttons to show (enabled names and kinds); only the service role sees how
 * they are configured.
 */
export async function visibleProviders(ctx: ServiceContext): Promise<Array<PublicOAuthProvider & { callbackUrl: string }> | Array<Pick<OAuthProvider, 'name' | 'kind'>>> {
  const providers = await listProviders(ctx);
  if (!isPrivileged(ctx.actor)) return providers.filter((p) => p.enabled).map((p) => ({ name: p.name, kind: p.kind }));
  return providers.map((p) => configuredProvider(ctx, p));
}

/**
 * The name of the cookie that binds a state to the browser that started the
 * flow. Without it, an attacker could finish their own login and send the
 * callback link to a victim, who would end up signed in as the attacker.
 */
export function stateCookieName(state: string): string {
  return `baas_oauth_${hashSecret(state).slice(0, 16)}`;
}

function oauthFailed(reason: string, message: string): ApiError {
  return new ApiError('oauth_failed', message, { reason });
}

async function enabledProvider(db: Database, name: string): Promise<OAuthProvider> {
  const provider = await getProvider(db, name);
  if (!provider || !provider.enabled) throw new ApiError('provider_not_found', `no enabled OAuth provider '${name}'`);
  return provider;
}

/**
 * Starts a sign-in: checks `redirectTo` against the project's allowlist,
 * stores the state (hashed), PKCE verifier, nonce and redirectTo for 10
 * minutes, and answers the provider URL to send the browser to.
 */
export async function startAuthorization(ctx: ServiceContext, providerName: string, redirectTo: string): Promise<{ url: string; state: string }> {
  const provider = await enabledProvider(ctx.db, providerName);
  if (!isAllowedRedirect(await getAuthSettings(ctx.db), redirectTo)) {
    // The same answer as the email flows give for a redirect target outside the allowlist.
    throw new ApiError('validation_failed', 'redirectTo is not an allowed redirect URL of this project', {
      fields: { redirectTo: { code: 'not_allowed', message: 'is not the site URL or one of the redirect URLs in the auth settings' } },
    });
  }
  const checks = newChecks(provider);
  let url: URL;
  try {
    url = await authorizationUrl(provider, callbackUrl(ctx, provider.name), checks);
  } catch (err) {
    throw oauthFailed('provider_unreachable', `the provider's configuration could not be loaded: ${(err as Error).message}`);
  }
  const now = new Date();
  const t = ctx.db.table('_oauth_states');
  await ctx.db.transaction(async (tx) => {
    // Abandoned sign-ins leave rows behind; sweeping them here keeps the table as small as the traffic.
    await tx.run(sql`DELETE FROM ${t} WHERE expires_at < ${now.toISOString()}`);
    await tx.run(sql`INSERT INTO ${t} (state_hash, provider, code_verifier, nonce, redirect_to, created_at, expires_at)
      VALUES (${hashSecret(checks.state)}, ${provider.name}, ${checks.codeVerifier}, ${checks.nonce}, ${redirectTo},
              ${now.toISOString()}, ${new Date(now.getTime() + STATE_TTL_SECONDS * 1000).toISOString()})`);
  });
  return { url: url.href, state: checks.state };
}

/** How a callback ends when its state was valid: always a redirect to the app, with `code` or `error`. */
export interface CallbackResult {
  redirect: string;
  /** Why it failed, for the log; the app only sees a short error code. */
  failure?: Error;
}

/**
 * Finishes a sign-in at the callback. The state is consumed first (deleted, so
 * it works once); an unknown, replayed or expired state, or one of another
 * provider, is `400 oauth_failed` and goes nowhere, since only a valid state
 * names a trusted redirect target. After that every outcome is a redirect to
 * the app: `error=` when the provider or the exchange failed, else a one-time
 * `code` the app exchanges for the session (tokens never travel in a URL).
 */
export async function completeAuthorization(ctx: ServiceContext, providerName: string, params: URLSearchParams): Promise<CallbackResult> {
  const state = params.get('state');
  if (!state) throw oauthFailed('invalid_state', 'the callback has no state');
  const row = await ctx.db.get<{ provider: string; code_verifier: string; nonce: string | null; redirect_to: string; expires_at: string }>(
    sql`DELETE FROM ${ctx.db.table('_oauth_states')} WHERE state_hash = ${hashSecret(state)}
        RETURNING provider, code_verifier, nonce, redirect_to, expires_at`,
  );
  if (!row || row.provider !== providerName) throw oauthFailed('invalid_state', 'the state is unknown or was already used: start the sign-in again');
  if (row.expires_at <= nowIso()) throw oauthFailed('state_expired', 'the sign-in took too long: start it again');

  const back = (query: Record<string, string>, failure?: Error): CallbackResult => {
    const url = new URL(row.redirect_to);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return { redirect: url.href, failure };
  };
  const providerError = params.get('error');
  if (providerError !== null) {
    // Only a well-formed OAuth error code is passed on; the description is the provider's text, shortened.
    const error = /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'access_denied';
    const description = (params.get('error_description') ?? '').slice(0, 300);
    return back(description ? { error, error_description: description } : { error });
  }

  let profile: ProviderProfile;
  let provider: OAuthProvider;
  try {
    provider = await enabledProvider(ctx.db, providerName);
    profile = await exchangeCode(provider, callbackUrl(ctx, providerName), params, {
      state,
      codeVerifier: row.code_verifier,
      nonce: row.nonce,
    });
  } catch (err) {
    return back({ error: 'oauth_failed', error_description: 'the sign-in could not be verified with the provider' }, err as Error);
  }

  let user: UserRow;
  try {
    user = await signInWithProfile(ctx.db, providerName, profile);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'forbidden') return back({ error: 'user_disabled', error_description: err.message }, err);
    throw err;
  }

  const code = randomToken('', 32);
  const now = new Date();
  // `_auth_tokens` holds every single-use secret; the kind keeps this code out of the email flows and names the provider.
  await ctx.db.run(sql`INSERT INTO ${ctx.db.table('_auth_tokens')} (id, kind, user_id, email, token_hash, redirect_to, attempts, created_at, expires_at)
    VALUES (${newId()}, ${`oauth:${providerName}`}, ${user.id}, ${null}, ${hashSecret(code)}, ${row.redirect_to}, 0,
            ${now.toISOString()}, ${new Date(now.getTime() + EXCHANGE_CODE_TTL_SECONDS * 1000).toISOString()})`);
  return back({ code });
}

/**
 * Trades the one-time code of a callback redirect for a session. The row is
 * deleted as it is read, so of two concurrent exchanges only one wins.
 */
export async function exchangeSignInCode(ctx: ServiceContext, code: string, meta: { userAgent?: string; ip?: string }): Promise<SessionReply> {
  const { db, project } = ctx;
  const row = await db.get<{ kind: string; user_id: string | null; expires_at: string }>(
    sql`DELETE FROM ${db.table('_auth_tokens')} WHERE token_hash = ${hashSecret(code)} AND kind LIKE 'oauth:%' RETURNING kind, user_id, expires_at`,
  );
  if (!row || !row.user_id || row.expires_at <= nowIso()) throw oauthFailed('invalid_code', 'the sign-in code is unknown, used or expired');
  const user = await getUser(db, row.user_id);
  if (!user) throw oauthFailed('invalid_code', 'the sign-in code is unknown, used or expired');
  return issueSession(db, project, user, { method: row.kind, ...meta });
}

/**
 * The user an identity signs in as. The linking policy:
 * 1. a known identity (provider + subject) is its user, whatever the email says now;
 * 2. else an email the provider VERIFIED links to the existing user with that
 *    email. If that user had never verified it, the password is removed and its
 *    sessions end, as for every first proof of an address (see proveAddress);
 * 3. else a new user: with the email when verified (and marked verified),
 *    without any email otherwise. An unverified email is never attached to any
 *    account, so it can neither take one over nor block its real owner later.
 */
export async function signInWithProfile(db: Database, provider: string, profile: ProviderProfile): Promise<UserRow> {
  try {
    return await db.transaction((tx) => linkOrCreate(tx, provider, profile));
  } catch (err) {
    // Two first sign-ins of one identity at once (PostgreSQL): the loser finds the winner's identity on retry.
    if (asUniqueViolation(err)) return db.transaction((tx) => linkOrCreate(tx, provider, profile));
    throw err;
  }
}

async function linkOrCreate(tx: Database, provider: string, profile: ProviderProfile): Promise<UserRow> {
  const identities = tx.table('_identities');
  const identity = await tx.get<{ user_id: string; email: string | null }>(
    sql`SELECT user_id, email FROM ${identities} WHERE provider = ${provider} AND subject = ${profile.subject}`,
  );
  if (identity) {
    const user = await getUser(tx, identity.user_id);
    if (user) {
      if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
      if (identity.email !== profile.email) {
        await tx.run(sql`UPDATE ${identities} SET email = ${profile.email} WHERE provider = ${provider} AND subject = ${profile.subject}`);
      }
      return user;
    }
  }

  const email = profile.emailVerified && profile.email ? normalizeEmail(profile.email) : null;
  let user = email ? await findUserByEmail(tx, email) : undefined;
  if (user) {
    if (user.disabled) throw new ApiError('forbidden', 'this account is disabled');
    if (!user.verified) user = await proveAddress(tx, user);
  } else {
    const data: Record<string, unknown> = {};
    if (profile.name) data.name = profile.name;
    if (profile.avatarUrl) data.avatarUrl = profile.avatarUrl;
    user = await createUser(tx, { email, verified: email !== null, data });
  }
  await tx.run(sql`INSERT INTO ${identities} (provider, subject, user_id, email, created_at)
    VALUES (${provider}, ${profile.subject}, ${user.id}, ${profile.email}, ${nowIso()})`);
  return user;
}
