import { sql } from 'drizzle-orm';
import type { CollectionRules, RuleTestInput, RuleTestResult, RuleVerdict } from '@baas/protocol';
import { ApiError } from '../errors.ts';
import { getUser, authInfoOf, publicUser } from './auth/users.ts';
import { validateAgainst } from './collections.ts';
import type { Actor, ServiceContext } from './context.ts';
import { accessCollection, and, createAllowed, envOf, ruleCondition } from './records/access.ts';
import { proposedRecord } from './records/write.ts';
import { listRecords } from './records/list.ts';

export const RULE_TEST_DEFAULT_LIMIT = 20;
export const RULE_TEST_MAX_LIMIT = 100;
const judged = ['list', 'view', 'update', 'delete'] as const;

/**
 * Judges a collection's rules (or draft ones) as one user, or a guest, over
 * a sample of its newest records, for the dashboard's rule tester. Each rule
 * becomes the very SQL condition the records API adds for that caller
 * (`ruleCondition`), run against the sample's ids: what it lets through is
 * what that user would list, view, update or delete. A proposed body
 * (`create`) is validated and judged against the create rule as a create
 * would judge it (the same `createAllowed`, before any insert); nothing is
 * stored. `ctx` is the privileged caller (admin or service role) asking.
 */
export async function testRules(ctx: ServiceContext, collection: string, input: RuleTestInput): Promise<RuleTestResult> {
  const access = await accessCollection(ctx, collection);
  const rules: CollectionRules = { ...access.def.rules, ...input.rules };
  const def = { ...access.def, rules };
  // Draft rules get the same checks (and error positions) as a save would give them.
  if (input.rules) validateAgainst(new Map(access.catalog).set(def.name, def));

  const user = input.user ? await getUser(ctx.db, input.user) : undefined;
  if (input.user && !user) throw new ApiError('user_not_found', `no user '${input.user}'`);
  const actor: Actor = user ? { kind: 'user', user: authInfoOf(user), sessionId: '' } : { kind: 'guest' };
  const as: ServiceContext = { ...ctx, actor };

  const limit = Math.min(input.limit ?? RULE_TEST_DEFAULT_LIMIT, RULE_TEST_MAX_LIMIT);
  const { items } = await listRecords(ctx, collection, { filter: input.filter, sort: '-created_at', limit });
  const ids = items.map((r) => r.id);

  const verdicts = {} as Record<(typeof judged)[number], RuleVerdict>;
  for (const rule of judged) {
    const source = rules[rule];
    let allowed: string[] = [];
    if (source !== null && ids.length > 0) {
      const condition = ruleCondition(as, access, rule, envOf(as), def);
      const rows = await ctx.db.all<{ id: string }>(sql`SELECT ${sql.identifier('id')} AS id FROM ${access.table} WHERE ${and(sql`${sql.identifier('id')} IN ${ids}`, condition)}`);
      const passed = new Set(rows.map((r) => r.id));
      allowed = ids.filter((id) => passed.has(id));
    }
    verdicts[rule] = { rule: source, allowed };
  }
  const result: RuleTestResult = { user: user ? publicUser(user) : null, records: items, rules: verdicts };
  if (input.create) {
    // An invalid body is the 400 a create would answer (validation comes first there too).
    const record = proposedRecord(def, input.create);
    // A locked rule: only the service role creates, so this caller may not.
    const allowed = rules.create !== null && (await createAllowed(as, { ...access, def }, envOf(as, input.create), record));
    result.rules.create = { rule: rules.create, allowed };
  }
  return result;
}
