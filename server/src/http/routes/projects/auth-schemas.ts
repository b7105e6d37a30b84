/**
 * JSON schemas of the auth routes: they validate input and shape (and
 * document) the replies. Shared by the auth routes and users.ts.
 */
/** A user as the API returns it. */
export const authUser = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: ['string', 'null'] },
    verified: { type: 'boolean' },
    anonymous: { type: 'boolean' },
    role: { type: ['string', 'null'] },
    data: { type: 'object', additionalProperties: true },
    disabled: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    lastSignInAt: { type: ['string', 'null'] },
  },
  required: ['id', 'email', 'verified', 'anonymous', 'role', 'data', 'disabled', 'createdAt', 'updatedAt', 'lastSignInAt'],
  additionalProperties: false,
} as const;

/** `{user, session: {accessToken, refreshToken, expiresAt}}`. */
export const sessionReply = {
  type: 'object',
  properties: {
    user: authUser,
    session: {
      type: 'object',
      properties: { accessToken: { type: 'string' }, refreshToken: { type: 'string' }, expiresAt: { type: 'string' } },
      required: ['accessToken', 'refreshToken', 'expiresAt'],
      additionalProperties: false,
    },
  },
  required: ['user', 'session'],
  additionalProperties: false,
} as const;

export const email = { type: 'string', minLength: 3, maxLength: 254 } as const;
/** Policy (min length, not the email) is checked by the service, which knows the project's settings. */
export const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;
/** Profile data: any JSON object, bounded so a profile cannot become a file store. */
export const profileData = { type: 'object', additionalProperties: true, maxProperties: 100 } as const;

/** An OAuth provider's name: a URL segment of the callback URL the provider is told about. */
export const providerName = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,39}$' } as const;

/** An OAuth provider as replies show it: the secret only as a hint. */
export const providerReply = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['oidc', 'google', 'github'] },
    clientId: { type: 'string' },
    clientSecretHint: { type: 'string' },
    issuer: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    callbackUrl: { type: 'string', description: 'register this redirect URI at the provider' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['name', 'kind'],
  additionalProperties: false,
} as const;
