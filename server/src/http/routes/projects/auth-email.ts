import { noBearer } from '../../openapi.ts';
import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../../services/context.ts';
import { confirmEmailChange, confirmEmailVerification, confirmPasswordReset, verifyMagicLink } from '../../../services/auth/email-confirm.ts';
import {
  checkRedirect, sendEmailChange, sendMagicLink, sendPasswordReset, sendVerificationEmail,
} from '../../../services/auth/email-requests.ts';
import type { AuthSettings } from '../../../services/auth/settings.ts';
import { publicUser, type UserRow } from '../../../services/auth/users.ts';
import { requireUser, sessionMetaOf } from '../../plugins/actor.ts';
import { errors, type Routes } from '../../schemas.ts';
import { authUser, email, password, sessionReply } from './auth-schemas.ts';

const token = { type: 'string', minLength: 1, maxLength: 200 } as const;
// The users module's loose rule (something@something), checked up front: it depends on the input alone, so it reveals nothing.
const address = { ...email, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\s*$' } as const;
const redirectTo = { type: 'string', maxLength: 2048, description: 'where the link leads; must be allowed by the auth settings (siteUrl, redirectUrls)' } as const;
const accepted = { type: 'object', properties: { ok: { type: 'boolean', const: true } }, required: ['ok'], additionalProperties: false } as const;
const userReply = { type: 'object', properties: { user: authUser }, required: ['user'], additionalProperties: false } as const;
const tags = ['auth: email'];

/**
 * The email flows (`/auth`): verification, password reset, magic link (link
 * or code) and email change.
 *
 * Every `request` route answers the same `202 {"ok": true}` whatever the
 * address: before the reply it does only what depends on the input alone
 * (schema, redirect check), and the lookup, token and mail happen after the
 * reply (`mailer.later`), so neither the answer nor its timing tells whether
 * an account exists.
 */
export const authEmailRoutes: Routes = async (app) => {
  /** Registers a request route: validate, answer 202, do the work after the reply. */
  function requestRoute<B extends { email: string; redirectTo?: string }>(
    path: string,
    summary: string,
    extra: Record<string, unknown>,
    work: (ctx: ServiceContext, settings: AuthSettings, body: B, request: FastifyRequest) => Promise<void>,
    guard?: (request: FastifyRequest) => void,
  ): void {
    app.post<{ Body: B }>(`/${path}`, {
      // Guests' routes: a stale access token sent out of habit must not turn into a 401. The email change acts as the user, so there it must.
      config: { ignoresBadToken: !guard },
      schema: {
        tags,
        summary,
        body: { type: 'object', properties: { email: address, redirectTo, ...extra }, required: ['email'], additionalProperties: false },
        response: { 202: accepted, ...errors(400, 401, 403, 404, 429) },
      },
      handler: async (request, reply) => {
        guard?.(request);
        const body = request.body as B;
        const { ctx } = request;
        const settings = await checkRedirect(ctx, body.redirectTo);
        ctx.mailer.later(ctx.log, () => work(ctx, settings, body, request));
        reply.status(202);
        return { ok: true };
      },
    });
  }

  /**
   * Registers a confirm route: the token (and maybe more) in, `{user}` out.
   * `confirm` also gets the holder: the user of a valid session sent along.
   */
  function confirmRoute<B extends { token: string }>(
    path: string,
    summary: string,
    extra: Record<string, unknown>,
    confirm: (ctx: ServiceContext, body: B, holder: string | undefined) => Promise<UserRow>,
  ): void {
    app.post<{ Body: B }>(`/${path}`, {
      // The link may be opened in a browser whose stored access token has expired: the token in the body is the credential.
      config: { ignoresBadToken: true },
      schema: {
        tags,
        summary,
        body: { type: 'object', properties: { token, ...extra }, required: ['token', ...Object.keys(extra)], additionalProperties: false },
        response: { 200: userReply, ...errors(400, 403, 404, 409, 429) },
      },
      handler: async (request) => {
        const holder = request.ctx.actor.kind === 'user' ? request.ctx.actor.user.id : undefined;
        return { user: publicUser(await confirm(request.ctx, request.body as B, holder)) };
      },
    });
  }

  requestRoute('verify-email/request', 'Mail a verification link (always 202, whether or not the address has an account)', {},
    (ctx, settings, body) => sendVerificationEmail(ctx, settings, body.email, body.redirectTo));
  confirmRoute('verify-email/confirm',
    "Mark the address verified with the token from the link. Send the account's session along: without it, a password set before the address was verified is removed and every session ends", {},
    (ctx, body, holder) => confirmEmailVerification(ctx, body.token, holder));

  requestRoute('password-reset/request', 'Mail a password-reset link (always 202)', {},
    (ctx, settings, body) => sendPasswordReset(ctx, settings, body.email, body.redirectTo));
  confirmRoute<{ token: string; password: string }>('password-reset/confirm', 'Set a new password with the token from the link; ends every session of the user', { password },
    (ctx, body) => confirmPasswordReset(ctx, body.token, body.password));

  requestRoute<{ email: string; redirectTo?: string; createUser?: boolean }>(
    'magic-link/request',
    'Mail a sign-in link and a six-digit code (always 202); by default the first sign-in creates the account',
    { createUser: { type: 'boolean', default: true, description: 'false: send nothing to an address without an account' } },
    (ctx, settings, body) => sendMagicLink(ctx, settings, body.email, { redirectTo: body.redirectTo, createUser: body.createUser !== false }),
  );

  app.post('/magic-link/verify', {
    config: { ignoresBadToken: true },
    schema: {
      tags,
      security: noBearer,
      summary: 'Sign in with the token of a magic link, or with the address and the code; answers a session',
      body: {
        type: 'object',
        properties: { token, email, code: { type: 'string', pattern: '^[0-9]{6}$' } },
        additionalProperties: false,
        oneOf: [{ required: ['token'] }, { required: ['email', 'code'] }],
      },
      response: { 200: sessionReply, ...errors(400, 403, 404, 429) },
    },
    handler: async (request) => verifyMagicLink(request.ctx, request.body as { token: string } | { email: string; code: string }, sessionMetaOf(request)),
  });

  requestRoute('email-change/request', 'Mail a confirmation link to the new address of the signed-in user (always 202)', {},
    (ctx, settings, body, request) => sendEmailChange(ctx, settings, requireUser(request.ctx.actor).user.id, body.email, body.redirectTo),
    (request) => void requireUser(request.ctx.actor));
  confirmRoute('email-change/confirm',
    "Move the account to the new address with the token from the link. Send the account's session along: without it, the password is removed and every session ends", {},
    (ctx, body, holder) => confirmEmailChange(ctx, body.token, holder));
};
