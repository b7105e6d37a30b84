import { sql } from 'drizzle-orm';
import type { RealtimeSettings } from '@baas/protocol';
import { compile, tableSchema, type Compiled } from '@baas/query';
import type { Database } from '../db/database.ts';
import { orQueryError } from '../errors.ts';
import { nowIso } from '../ids.ts';
import type { Viewer } from './judge.ts';

const CHANNEL_RULE_KEY = 'realtime.channelRule';

/** Until a project sets one: signed-in users may join any channel, guests none. */
export const defaultChannelRule = 'auth.id != null';

// The channel rule sees one "record": the channel, whose only field is its name.
const CHANNEL = '_channel';
const channelSchema = tableSchema({ [CHANNEL]: { channel: { type: 'text' } } });

const compiledChannelRule = (source: string): Compiled => compile(channelSchema, CHANNEL, source);

/** The project's realtime settings, defaults filled in. */
export async function getRealtimeSettings(db: Database): Promise<RealtimeSettings> {
  const row = await db.get<{ value: string }>(sql`SELECT value FROM ${db.table('_settings')} WHERE key = ${CHANNEL_RULE_KEY}`);
  return { channelRule: row ? (JSON.parse(row.value) as string | null) : defaultChannelRule };
}

/** Validates and stores the settings; 400 `invalid_rule` pointing at the problem. */
export async function setRealtimeSettings(db: Database, settings: RealtimeSettings): Promise<RealtimeSettings> {
  const rule = settings.channelRule;
  if (rule !== null && rule.trim() !== '') {
    orQueryError('invalid_rule', 'channel rule', () => compiledChannelRule(rule));
  }
  await db.run(sql`INSERT INTO ${db.table('_settings')} (key, value) VALUES (${CHANNEL_RULE_KEY}, ${JSON.stringify(rule)})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  return { channelRule: rule };
}

/** Whether the viewer may join the channel under the rule (in memory: it reads no table). */
export function mayJoin(rule: string | null, viewer: Viewer, channel: string): boolean {
  if (viewer.privileged) return true;
  if (rule === null) return false;
  if (rule.trim() === '') return true;
  try {
    return compiledChannelRule(rule).evaluate({ channel }, { auth: viewer.auth, now: nowIso() });
  } catch {
    return false;
  }
}
