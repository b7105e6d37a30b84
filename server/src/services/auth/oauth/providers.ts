import { sql } from 'drizzle-orm';
import type { Database } from '../../../db/database.ts';
import type { ServiceContext } from '../../context.ts';
import { ApiError } from '../../../errors.ts';
import { nowIso } from '../../../ids.ts';

/** How baas talks to a provider: OpenID Connect through discovery, or GitHub's plain OAuth 2.0. */
export type ProviderKind = 'oidc' | 'google' | 'github';

/** A provider as stored, secret included: for the flow only, never for a reply. */
export interface OAuthProvider {
  name: string;
  kind: ProviderKind;
  clientId: string;
  clientSecret: string;
  /** The issuer identifier (discovery happens at `<issuer>/.well-known/openid-configuration`); absent for GitHub. */
  issuer: string | null;
  scopes: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A provider as the API lists it: the secret only as a hint of its last characters. */
export type PublicOAuthProvider = Omit<OAuthProvider, 'clientSecret'> & { clientSecretHint: string };

/** The body of `PUT /auth/providers/:name`. */
export interface ProviderInput {
  kind: ProviderKind;
  clientId: string;
  /** Required when the provider is new; omitted on a replace, the stored one is kept (it is never shown again). */
  clientSecret?: string;
  issuer?: string;
  scopes?: string[];
  enabled?: boolean;
}

/** What a provider name must look like: it is a URL segment of the callback URL the provider is told about. */
export const providerNamePattern = /^[a-z][a-z0-9_-]{0,39}$/;

/** The presets: Google is plain OIDC at a fixed issuer; GitHub is not OIDC at all. */
const defaults: Record<ProviderKind, { issuer: string | null; scopes: string[] }> = {
  oidc: { issuer: null, scopes: ['openid', 'email', 'profile'] },
  google: { issuer: 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'] },
  github: { issuer: null, scopes: ['read:user', 'user:email'] },
};

type Row = { name: string; kind: string; config: string; created_at: string; updated_at: string };
type StoredConfig = Pick<OAuthProvider, 'clientId' | 'clientSecret' | 'issuer' | 'scopes' | 'enabled'>;

function fromRow(row: Row): OAuthProvider {
  const config = JSON.parse(row.config) as StoredConfig;
  return { name: row.name, kind: row.kind as ProviderKind, ...config, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** The provider without its secret. */
export function publicProvider(p: OAuthProvider): PublicOAuthProvider {
  const { clientSecret, ...rest } = p;
  // Four characters tell an operator which secret is configured without helping anyone guess it.
  return { ...rest, clientSecretHint: clientSecret.length > 12 ? `…${clientSecret.slice(-4)}` : '…' };
}

/** All providers of the project, enabled or not. */
export async function listProviders(ctx: ServiceContext): Promise<OAuthProvider[]> {
  const rows = await ctx.db.all<Row>(sql`SELECT name, kind, config, created_at, updated_at FROM ${ctx.db.table('_oauth_providers')} ORDER BY name`);
  return rows.map(fromRow);
}

/** One provider, or undefined; it takes the store, as putProvider reads it inside its transaction. */
export async function getProvider(db: Database, name: string): Promise<OAuthProvider | undefined> {
  if (!providerNamePattern.test(name)) return undefined;
  const row = await db.get<Row>(sql`SELECT name, kind, config, created_at, updated_at FROM ${db.table('_oauth_providers')} WHERE name = ${name}`);
  return row && fromRow(row);
}

/**
 * Creates or replaces a provider. The presets fill in the issuer and scopes;
 * 400 with per-field details for a config that could never work.
 */
export async function putProvider(ctx: ServiceContext, name: string, input: ProviderInput): Promise<{ provider: OAuthProvider; created: boolean }> {
  const fields: Record<string, { code: string; message: string }> = {};
  if (!providerNamePattern.test(name)) fields.name = { code: 'pattern', message: 'must be lowercase letters, digits, _ or -, starting with a letter' };
  const preset = defaults[input.kind];
  let issuer = preset.issuer;
  if (input.kind === 'oidc') {
    if (!input.issuer) fields.issuer = { code: 'required', message: 'an OpenID provider needs its issuer URL' };
    else if (!isIssuerUrl(input.issuer)) fields.issuer = { code: 'format', message: 'must be an https URL (http only for localhost), without query or fragment' };
    else issuer = input.issuer.replace(/\/+$/, '');
  } else if (input.issuer !== undefined && input.issuer.replace(/\/+$/, '') !== preset.issuer) {
    fields.issuer = { code: 'preset', message: `is fixed for the ${input.kind} preset; use kind 'oidc' for another issuer` };
  }
  let scopes = input.scopes ?? preset.scopes;
  // Without `openid` an OpenID provider returns no ID token, and the identity would rest on nothing.
  if (input.kind !== 'github' && !scopes.includes('openid')) scopes = ['openid', ...scopes];
  scopes = [...new Set(scopes)];
  if (scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) fields.scopes = { code: 'format', message: 'a scope is a non-empty token without spaces or quotes' };

  return ctx.db.transaction(async (tx) => {
    const existing = await getProvider(tx, name);
    const clientSecret = input.clientSecret ?? existing?.clientSecret;
    if (!clientSecret) fields.clientSecret = { code: 'required', message: 'is required when the provider is new' };
    if (Object.keys(fields).length) throw new ApiError('validation_failed', 'invalid OAuth provider', { fields });
    const config: StoredConfig = { clientId: input.clientId, clientSecret: clientSecret!, issuer, scopes, enabled: input.enabled ?? true };
    const now = nowIso();
    const json = JSON.stringify(config);
    if (existing) {
      await tx.run(sql`UPDATE ${tx.table('_oauth_providers')} SET kind = ${input.kind}, config = ${json}, updated_at = ${now} WHERE name = ${name}`);
    } else {
      await tx.run(sql`INSERT INTO ${tx.table('_oauth_providers')} (name, kind, config, created_at, updated_at) VALUES (${name}, ${input.kind}, ${json}, ${now}, ${now})`);
    }
    return { provider: { name, kind: input.kind, ...config, createdAt: existing?.createdAt ?? now, updatedAt: now }, created: !existing };
  });
}

/** Removes a provider; linked identities stay, so re-adding it signs the same people into the same users. */
export async function deleteProvider(ctx: ServiceContext, name: string): Promise<boolean> {
  if (!providerNamePattern.test(name)) return false;
  return (await ctx.db.run(sql`DELETE FROM ${ctx.db.table('_oauth_providers')} WHERE name = ${name}`)).changes > 0;
}

/**
 * Plain http is accepted only for loopback hosts (a provider in local
 * development or tests); anywhere else tokens would cross the network in clear.
 */
export function isIssuerUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.search || url.hash || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/** localhost, 127.0.0.0/8 or ::1. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
