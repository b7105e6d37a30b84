/**
 * JSON schemas of the auth routes: they validate input and shape (and
 * document) the replies. Shared by auth.ts, auth-sessions.ts and users.ts.
 */
import { projectId } from '../../schemas.ts';

/** The `:project` params of every auth route. */
export const projectParams = { type: 'object', properties: { project: projectId } } as const;

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
    },
  },
  required: ['user', 'session'],
} as const;

export const email = { type: 'string', minLength: 3, maxLength: 254 } as const;
/** Policy (min length, not the email) is checked by the service, which knows the project's settings. */
export const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;
/** Profile data: any JSON object, bounded so a profile cannot become a file store. */
export const profileData = { type: 'object', additionalProperties: true, maxProperties: 100 } as const;
