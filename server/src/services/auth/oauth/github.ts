import type { ServerMetadata } from 'openid-client';
import type { ProviderProfile } from './client.ts';

/**
 * GitHub's OAuth 2.0 endpoints. GitHub is not an OpenID provider (no
 * discovery, no ID token), so its metadata is fixed here and the identity comes
 * from its user API.
 */
export const githubServer: ServerMetadata = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
  code_challenge_methods_supported: ['S256'],
};

/** The base of GitHub's REST API. */
export const githubApi = 'https://api.github.com';

interface GithubUser {
  id: number;
  login: string;
  name?: string | null;
  avatar_url?: string | null;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * Who the access token belongs to: the numeric GitHub id as the subject (a
 * login can be renamed and reused by someone else), and the primary email only
 * when GitHub says it is verified. The public profile email is not used: a
 * user can set it to any address without proving it.
 */
export async function githubProfile(accessToken: string, fetchImpl: typeof fetch = fetch, api = githubApi): Promise<ProviderProfile> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetchImpl(`${api}${path}`, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        // GitHub refuses API calls without a User-Agent.
        'user-agent': 'baas',
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
    return (await res.json()) as T;
  };
  const user = await get<GithubUser>('/user');
  if (typeof user?.id !== 'number') throw new Error('GitHub /user answered without an id');
  // /user/emails needs the user:email scope; without it the user simply has no verified email here.
  const emails = await get<GithubEmail[]>('/user/emails').catch(() => []);
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary && e.verified) : undefined;
  return {
    subject: String(user.id),
    email: primary?.email ?? null,
    emailVerified: !!primary,
    name: user.name ?? user.login,
    avatarUrl: user.avatar_url ?? null,
  };
}
