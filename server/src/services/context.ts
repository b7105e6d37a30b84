import type { AuthInfo } from '@baas/query';
import { publicUrlOf } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ProjectHandle } from '../db/registry.ts';
import type { Mailer } from '../mail/index.ts';
import type { BlobDriver } from '../storage/driver.ts';
import type { Services } from './index.ts';

/** The project of a call (its info, store and caches), as the registry opened it; routes name it through here. */
export type { ProjectHandle };

/** Who is calling, as the HTTP layer resolved it from the request. */
export type Actor =
  /** An instance admin; `sessionId` names the admin session the token belongs to. */
  | { kind: 'admin'; id: string; email: string; sessionId: string }
  | { kind: 'service'; keyId: string }
  /** A project user, from an access token; `sessionId` names the session the token belongs to. */
  | { kind: 'user'; user: AuthInfo; sessionId: string }
  | { kind: 'guest' };

/**
 * The part of a pino logger services use: a Fastify `request.log` fits, and
 * so does any pino child. Typed here so services never import Fastify.
 */
export interface ServiceLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * What every project-scoped service call gets as its first argument: the
 * project, the actor, the database handle to use (the project's store, or an
 * open transaction), and the instance's parts a call may need (blob storage,
 * the mailer, the public URL links are built on, the request's logger). The
 * HTTP layer builds it once per request (http/routes/projects/index.ts), so no
 * route hands these to services one by one.
 */
export interface ServiceContext {
  project: ProjectHandle;
  actor: Actor;
  db: Database;
  /** Where file objects' bytes live. */
  blobs: BlobDriver;
  /** Auth emails: SMTP, or the project's outbox. */
  mailer: Mailer;
  /** The URL browsers reach this instance at (`publicUrl`, else http://host:port), no trailing slash. */
  publicUrl: string;
  log: ServiceLog;
}

/**
 * The context of a call on `project` by `actor`, with the instance's parts
 * from `services`. The project scope's hook (http/routes/projects/index.ts)
 * makes one per request; tests that call services directly make theirs here too.
 */
export function serviceContextOf(services: Services, project: ProjectHandle, actor: Actor, log: ServiceLog): ServiceContext {
  return { project, actor, db: project.db, blobs: services.blobs, mailer: services.mailer, publicUrl: publicUrlFor(services.config), log };
}

/** The last public URL formatted for a config, with the values it was formatted from. */
const publicUrls = new WeakMap<object, { publicUrl: string | undefined; host: string; port: number; url: string }>();

/**
 * `publicUrlOf(config)`, formatted (a template and a regex) once per value of
 * its inputs instead of once per request: the config may still change (a
 * test that listens on port 0 sets the port it got), so the inputs are
 * compared on every call, which is three comparisons.
 */
function publicUrlFor(config: Services['config']): string {
  const last = publicUrls.get(config);
  if (last && last.publicUrl === config.publicUrl && last.host === config.host && last.port === config.port) return last.url;
  const url = publicUrlOf(config);
  publicUrls.set(config, { publicUrl: config.publicUrl, host: config.host, port: config.port, url });
  return url;
}

/** Admins and the service role bypass rules. */
export function isPrivileged(actor: Actor): boolean {
  return actor.kind === 'admin' || actor.kind === 'service';
}

/** The caller as rules see it: null for guests and privileged callers without a user. */
export function authOf(actor: Actor): AuthInfo | null {
  return actor.kind === 'user' ? actor.user : null;
}

/** The same context inside a transaction. */
export function withDb(ctx: ServiceContext, db: Database): ServiceContext {
  return { ...ctx, db };
}
