import { listOutbox, type OutboxEntry } from '../../mail/index.ts';
import type { ServiceContext } from '../context.ts';

/** The project's latest auth emails, newest first: the outbox the mailers record every message in (mail/outbox.ts). */
export async function outboxOf(ctx: ServiceContext, limit: number): Promise<OutboxEntry[]> {
  return listOutbox(ctx.db, limit);
}
