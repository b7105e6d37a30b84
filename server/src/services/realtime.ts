import { decodeJwt } from 'jose';
import type { RealtimeSettings } from '@baas/protocol';
import { RealtimeService } from '../realtime/index.ts';
import type { Identity } from '../realtime/auth.ts';
import { guestViewer, privilegedViewer, userViewer } from '../realtime/judge.ts';
import { getRealtimeSettings, setRealtimeSettings } from '../realtime/settings.ts';
import { actorOfToken } from './actors.ts';
import { collectionCatalog } from './collections.ts';
import type { Actor, ServiceContext } from './context.ts';
import type { Services } from './index.ts';

/**
 * Builds the instance's realtime service. Realtime sits below services
 * (docs/architecture.json): what it needs of them comes in here, as two
 * functions — the catalog its hubs judge changes against, and the token
 * resolution its `auth` messages use — beside the stores, bus, registry,
 * config and metrics that both layers sit on.
 */
export function openRealtime(services: Omit<Services, 'realtime' | 'close'>): RealtimeService {
  const { config, stores, instance, registry, metrics } = services;
  return new RealtimeService({
    config,
    bus: stores.bus,
    instance,
    registry,
    metrics,
    catalogOf: (project) => collectionCatalog({ project, db: project.db }),
    identityOf: async (project, token) => identityOfActor(await actorOfToken(services, token, project), token),
  });
}

/** The project's realtime settings (the channel rule), as `/realtime/settings` shows them. */
export async function realtimeSettingsOf(ctx: ServiceContext): Promise<RealtimeSettings> {
  return getRealtimeSettings(ctx.db);
}

/** Checks and stores the project's realtime settings; 400 `invalid_rule` pointing at the problem. */
export async function updateRealtimeSettings(ctx: ServiceContext, settings: RealtimeSettings): Promise<RealtimeSettings> {
  return setRealtimeSettings(ctx.db, settings);
}

/**
 * The identity of an actor and its bearer token: what a connection is judged
 * as, and what identity events end (a Node client may send `Authorization` on
 * the upgrade; browsers use the `auth` message).
 */
export function identityOfActor(actor: Actor, token: string | undefined): Identity {
  switch (actor.kind) {
    case 'admin':
      return { viewer: privilegedViewer, holder: { kind: 'admin', adminId: actor.id, sessionId: actor.sessionId }, token };
    case 'service':
      return { viewer: privilegedViewer, holder: { kind: 'key', keyId: actor.keyId }, token };
    case 'guest':
      return { viewer: guestViewer };
    case 'user': {
      const exp = token ? decodeJwt(token).exp : undefined;
      return {
        viewer: userViewer(actor.user),
        holder: { kind: 'user', userId: actor.user.id, sessionId: actor.sessionId },
        token,
        expiresAt: exp === undefined ? undefined : exp * 1000,
      };
    }
  }
}
