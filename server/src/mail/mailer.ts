import type { ProjectHandle } from '../db/registry.ts';

/** One email. `html` is an optional alternative to the plain text. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** The part of a pino logger the mailers use (a Fastify `request.log` fits). */
export interface MailLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Sends a project's auth emails. */
export interface Mailer {
  /** Where `send` puts a message: an SMTP server, or only the project's outbox. */
  readonly delivery: 'smtp' | 'outbox';
  /** Delivers one message (or stores it, in outbox mode) and records it in the project's `_outbox`. */
  send(project: ProjectHandle, message: MailMessage, log?: MailLogger): Promise<void>;
  /**
   * Runs `work` after the current request has been answered. Request
   * endpoints use it so their reply and timing never depend on whether the
   * email exists. Failures are logged, never thrown.
   */
  later(log: MailLogger, work: () => Promise<void>): void;
  /** Resolves once no deferred work is running (tests, shutdown). */
  idle(): Promise<void>;
  /** Waits for deferred work, then releases the transport. */
  close(): Promise<void>;
}

/** A logger that drops everything, for calls without a request. */
export const silentLogger: MailLogger = { info() {}, error() {} };

/** The deferred-work bookkeeping every mailer shares. */
export abstract class BaseMailer implements Mailer {
  abstract readonly delivery: 'smtp' | 'outbox';
  private readonly pending = new Set<Promise<void>>();

  abstract send(project: ProjectHandle, message: MailMessage, log?: MailLogger): Promise<void>;

  later(log: MailLogger, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => log.error({ err }, 'auth email failed'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async idle(): Promise<void> {
    // Deferred work may defer more; loop until the set stays empty.
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.idle();
  }
}
