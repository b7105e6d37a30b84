import type { WebSocket } from 'ws';
import { realtimeCloseCodes, type RealtimeStats } from '@baas/protocol';
import type { Config } from '../config.ts';
import type { InstanceBus } from '../db/bus.ts';
import type { Database } from '../db/database.ts';
import { subscribeIdentityEvents } from '../db/identity-events.ts';
import type { ProjectHandle, ProjectRegistry } from '../db/registry.ts';
import type { Metrics } from '../metrics.ts';
import type { Identity, IdentityOf } from './auth.ts';
import { Channels } from './channels.ts';
import { ChannelRelay } from './channel-relay.ts';
import { Connection, type ConnectionDeps } from './connection.ts';
import { ProjectHub, type CatalogOf } from './hub.ts';
import { FlushScheduler } from './outbox.ts';
import { pruneChangeLog } from './retention.ts';

/** Largest client frame, in bytes (bigger ones close the connection with 1009). */
export const MAX_FRAME_BYTES = 64 * 1024;
// How often retention runs over every project's log.
const PRUNE_MS = 10 * 60 * 1000;

/** Where realtime reports what failed: the app's logger once the app is built (app.ts sets it). */
export interface RealtimeLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * What the realtime service is built from (services/realtime.ts builds it):
 * the layers below it, and as functions the two things it needs of the
 * services above it. Realtime imports no service (docs/architecture.json).
 */
export interface RealtimeDeps {
  config: Config;
  bus: InstanceBus;
  /** The instance store (channel members, across processes). */
  instance: Database;
  registry: ProjectRegistry;
  metrics: Metrics;
  /** The project's collections by name: what its hub judges changes against. */
  catalogOf: CatalogOf;
  /** Who the token of an `auth` message makes a connection. */
  identityOf: IdentityOf;
}

/**
 * The realtime side of one instance: a hub (subscriptions and fan-out) and
 * the channels of each project with connections, woken by the instance bus's `changes` topic,
 * heartbeats and idle timeouts of every connection, and change-log retention.
 */
export class RealtimeService {
  private readonly hubs = new Map<string, Promise<ProjectHub>>();
  private readonly channels = new Map<string, Channels>();
  private readonly connections = new Set<Connection>();
  private readonly unsubscribe: Array<() => void>;
  private readonly sweeper: NodeJS.Timeout;
  private readonly pruner: NodeJS.Timeout;
  /** What every connection gets: its limits, the token resolution, the slow-consumer count, the flush scheduler. */
  private readonly connectionDeps: ConnectionDeps;
  /** Channels across processes (PostgreSQL: several processes may serve one instance); none on SQLite. */
  private readonly relay: ChannelRelay | undefined;
  private closing: Promise<void> | undefined;
  /** Until the app sets its logger: stderr. */
  log: RealtimeLog = { error: (fields, message) => console.error(message, fields) };

  constructor(private readonly deps: RealtimeDeps) {
    const { config, bus, metrics } = deps;
    this.connectionDeps = {
      limits: { maxSubscriptions: 100, maxChannels: 50, messagesPerSecond: 100, burst: 200, sendBuffer: config.realtimeSendBuffer },
      identityOf: deps.identityOf,
      slowConsumer: (project) => metrics.realtimeSlowConsumers.inc({ project }),
      flusher: new FlushScheduler(),
    };
    const wakes = bus.subscribe('changes', (project) => {
      if (project === undefined) for (const hub of this.hubs.values()) void hub.then((h) => h.wake(), () => {});
      else void this.hubs.get(project)?.then((h) => h.wake(), () => {});
    });
    this.unsubscribe = [
      wakes,
      deps.registry.onGone((id) => this.projectGone(id)),
      // Revocation reaches open sockets: each connection judges whether the event ends (or changes) its identity.
      subscribeIdentityEvents(bus, (event) => {
        for (const connection of this.connections) connection.identityEvent(event);
      }),
    ];
    const relayError = (err: unknown) => this.log.error({ err }, 'realtime channel relay failed');
    this.relay = config.databaseUrl
      ? new ChannelRelay(bus, deps.instance, (message) => this.channels.get(message.p)?.remote(message), relayError)
      : undefined;
    const sweepMs = (Math.min(config.realtimeHeartbeatSeconds, config.realtimeIdleSeconds) * 1000) / 2;
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, sweepMs));
    this.sweeper.unref();
    this.pruner = setInterval(() => void this.prune(), PRUNE_MS);
    this.pruner.unref();
    metrics.sources.realtime = () => this.allStats();
    metrics.sources.realtimeFeeds = () => new Map([...this.openHubs].map(([id, hub]) => [id, hub.position]));
  }

  /** The hubs that finished opening (for the change-log lag). */
  private readonly openHubs = new Map<string, ProjectHub>();

  /** Connections and subscriptions of every project with connections on this process. */
  private allStats(): Array<{ project: string; connections: number; subscriptions: number }> {
    const byProject = new Map<string, { project: string; connections: number; subscriptions: number }>();
    for (const connection of this.connections) {
      let entry = byProject.get(connection.projectId);
      if (!entry) byProject.set(connection.projectId, (entry = { project: connection.projectId, connections: 0, subscriptions: 0 }));
      entry.connections++;
      entry.subscriptions += connection.subscriptionCount;
    }
    return [...byProject.values()];
  }

  /** Takes over an accepted WebSocket of a project. */
  async accept(socket: WebSocket, project: ProjectHandle, identity: Identity): Promise<void> {
    // Messages may arrive while the hub opens: hold them, then hand them over in order.
    const early: Array<[Buffer, boolean]> = [];
    const hold = (data: Buffer, isBinary: boolean) => early.push([data, isBinary]);
    socket.on('message', hold);
    const hub = await this.hubOf(project);
    socket.off('message', hold);
    if (socket.readyState !== socket.OPEN) return;
    let channels = this.channels.get(project.id);
    if (!channels) this.channels.set(project.id, (channels = new Channels(project.id, this.relay, (err) => this.log.error({ err }, 'realtime channel relay failed'))));
    const connection = new Connection(socket, project, hub, channels, this.connectionDeps, identity);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
    for (const [data, isBinary] of early) socket.emit('message', data, isBinary);
  }

  /** A project's open connections, their subscriptions and its channels in use, on this process. */
  stats(projectId: string): RealtimeStats {
    let connections = 0;
    let subscriptions = 0;
    for (const connection of this.connections) {
      if (connection.projectId !== projectId) continue;
      connections++;
      subscriptions += connection.subscriptionCount;
    }
    return { connections, subscriptions, channels: this.channels.get(projectId)?.size ?? 0 };
  }

  /** Applies the change-log retention to every project; answers the number of changes deleted. */
  async prune(): Promise<number> {
    const { changeLogRetentionSeconds: seconds, changeLogRetentionRows: rows } = this.deps.config;
    let deleted = 0;
    try {
      for (const { id } of await this.deps.registry.list()) {
        const project = await this.deps.registry.get(id);
        if (project) deleted += await pruneChangeLog(project.db, { seconds, rows });
      }
    } catch (err) {
      this.log.error({ err }, 'change log retention failed');
    }
    return deleted;
  }

  /**
   * Closes every connection (1001) and stops the hubs and the bus listeners,
   * once (the app's preClose hook and the services' close both call it).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweeper);
      clearInterval(this.pruner);
      this.deps.metrics.sources.realtime = this.deps.metrics.sources.realtimeFeeds = undefined;
      for (const connection of this.connections) connection.close(realtimeCloseCodes.goingAway, 'server shutting down');
      for (const hub of this.hubs.values()) (await hub.catch(() => undefined))?.close();
      for (const stop of this.unsubscribe) stop();
      await this.relay?.close();
    })();
    return this.closing;
  }

  /** A project deleted (here or by another process): its connections end, its hub stops. */
  private projectGone(id: string): void {
    for (const connection of this.connections) if (connection.projectId === id) connection.close(realtimeCloseCodes.goingAway, 'project deleted');
    const hub = this.hubs.get(id);
    this.hubs.delete(id);
    this.channels.delete(id);
    void hub?.then((h) => h.close(), () => {});
  }

  private hubOf(project: ProjectHandle): Promise<ProjectHub> {
    let hub = this.hubs.get(project.id);
    if (!hub) {
      const deliveries = this.deps.metrics.realtimeDeliveries.labels({ project: project.id });
      hub = ProjectHub.open(project, this.deps.catalogOf, (err) => this.log.error({ err, project: project.id }, 'realtime change feed failed'), (n) => deliveries.inc(n), () => this.connectionDeps.flusher.flushNow());
      this.hubs.set(project.id, hub);
      hub.then((h) => this.openHubs.set(project.id, h), () => {});
      hub.catch(() => this.hubs.delete(project.id));
    }
    return hub;
  }

  /** Heartbeats (no pong since the last ping: dropped) and the idle timeout. */
  private sweep(): void {
    const now = Date.now();
    const { realtimeHeartbeatSeconds: heartbeat, realtimeIdleSeconds: idle } = this.deps.config;
    for (const connection of this.connections) {
      if (connection.idle && now - connection.lastActivity >= idle * 1000) {
        connection.close(realtimeCloseCodes.idle, 'idle timeout: nothing subscribed or joined');
      } else if (now - connection.pingedAt >= heartbeat * 1000) {
        if (connection.awaitingPong) connection.close(realtimeCloseCodes.heartbeatTimeout, 'no pong to the last heartbeat');
        else connection.ping();
      }
    }
  }
}
