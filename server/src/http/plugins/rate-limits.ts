import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ApiError } from '../../errors.ts';
import { RateCounters } from '../../services/rate-counters.ts';
import { databaseStore } from './rate-limit-store.ts';

/** Who a limit counts: the caller's address, or the account a request is about. */
type AccountKey = (request: FastifyRequest) => string | undefined;

interface Limit {
  /** Requests per minute from one IP address. */
  perIp: number;
  /** Requests per minute about one account (email, refresh token), from any address. */
  perAccount?: number;
  account?: AccountKey;
}

const bodyField = (name: string): AccountKey => (request) => {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
};
// Refresh tokens are secrets: count them by hash, never keep them in memory as they are.
const refreshToken: AccountKey = (request) => {
  const token = bodyField('refreshToken')(request);
  return token && createHash('sha256').update(token).digest('hex');
};
const email = bodyField('email');

const project = '/v1/projects/:project/auth';
const emailRequest: Limit = { perIp: 10, perAccount: 3, account: email };
const emailConfirm: Limit = { perIp: 30 };

/**
 * The abuse limits, in one table: endpoints that check a secret or send mail.
 * Per IP they stop one client hammering; per account they stop a distributed
 * guess at one user's password or a mail flood at one inbox.
 */
export const authLimits: Record<string, Limit> = {
  '/v1/admin/auth/login': { perIp: 20, perAccount: 10, account: email },
  [`${project}/signup`]: { perIp: 10, perAccount: 5, account: email },
  [`${project}/login`]: { perIp: 30, perAccount: 10, account: email },
  [`${project}/anonymous`]: { perIp: 10 },
  [`${project}/refresh`]: { perIp: 60, perAccount: 10, account: refreshToken },
  [`${project}/verify-email/request`]: emailRequest,
  [`${project}/password-reset/request`]: emailRequest,
  [`${project}/magic-link/request`]: emailRequest,
  [`${project}/email-change/request`]: emailRequest,
  [`${project}/verify-email/confirm`]: emailConfirm,
  [`${project}/password-reset/confirm`]: emailConfirm,
  [`${project}/email-change/confirm`]: emailConfirm,
  [`${project}/magic-link/verify`]: { perIp: 30, perAccount: 10, account: email },
  [`${project}/oauth/exchange`]: { perIp: 30 },
};

const MINUTE = 60_000;

/**
 * Registers @fastify/rate-limit for the routes of `authLimits` (call before
 * the routes are added). On PostgreSQL the counts live in the database
 * (rate-limit-store.ts), shared by every process; on SQLite, which one
 * process serves, in its memory.
 */
export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  // Runs before the plugin's own onRoute hook, which reads config.rateLimit.
  app.addHook('onRoute', (route: RouteOptions) => {
    const limit = route.method === 'POST' ? authLimits[route.url] : undefined;
    if (!limit) return;
    route.config = { ...(route.config as object), rateLimit: { max: limit.perIp, timeWindow: MINUTE, keyGenerator: (r: FastifyRequest) => `ip:${r.ip}` } };
    if (limit.perAccount && limit.account) {
      // A second count for the same request: createRateLimit gives the verdict and
      // leaves answering to us (the plugin's own handler runs once per request).
      const count = app.createRateLimit({ max: limit.perAccount, timeWindow: MINUTE, keyGenerator: accountKey(route.url, limit.account) });
      const perAccount = async (request: FastifyRequest, reply: FastifyReply) => {
        const verdict = await count(request);
        if (verdict.isAllowed || !verdict.isExceeded) return;
        reply.header('retry-after', verdict.ttlInSeconds);
        throw tooMany(verdict.ttl);
      };
      route.preHandler = [perAccount, ...toArray(route.preHandler)];
    }
  });
  const shared = app.baas.config.databaseUrl ? { store: databaseStore(new RateCounters(app.baas.instance)) } : {};
  await app.register(rateLimit, {
    ...shared,
    global: false,
    errorResponseBuilder: (_request, context) => tooMany(context.ttl),
  });
}

function tooMany(ttlMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new ApiError('rate_limited', `too many attempts; try again in ${seconds} s`, { retryAfter: seconds });
}

function accountKey(url: string, account: AccountKey) {
  return (request: FastifyRequest) => {
    const who = account(request);
    const projectId = (request.params as { project?: string }).project ?? '';
    // No account in the body: the schema will refuse the request anyway; count it by IP.
    return who ? `${url}:${projectId}:${who}` : `${url}:ip:${request.ip}`;
  };
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
