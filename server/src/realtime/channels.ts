import type { PresenceEntry } from '@baas/protocol';
import type { ChannelRelay, RelayMessage } from './channel-relay.ts';

/** A member of a channel: one connection. */
export interface ChannelMember {
  /** The connection's presence key, the same in every channel it joins. */
  readonly key: string;
  send(frame: string): void;
}

interface Membership {
  member: ChannelMember;
  entry: PresenceEntry;
}

/**
 * The broadcast and presence channels of one project, in this process. Each
 * frame is serialized once and written to every recipient. With a relay
 * (several processes on PostgreSQL), joins, leaves and broadcasts also go to
 * the members on other processes, and theirs come in through `remote`.
 */
export class Channels {
  private readonly channels = new Map<string, Map<string, Membership>>();

  constructor(
    private readonly project = '',
    private readonly relay?: ChannelRelay,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Channels with at least one member. */
  get size(): number {
    return this.channels.size;
  }

  /**
   * Adds (or updates) a member: the member gets the channel's state, the
   * others a `join` diff.
   */
  join(channel: string, member: ChannelMember, userId: string | null, presence: Record<string, unknown>): void {
    let members = this.channels.get(channel);
    if (!members) this.channels.set(channel, (members = new Map()));
    const entry: PresenceEntry = { key: member.key, userId, presence };
    members.set(member.key, { member, entry });
    const diff = JSON.stringify({ op: 'presence', channel, event: 'join', member: entry });
    for (const other of members.values()) if (other.member !== member) other.member.send(diff);
    const local = [...members.values()].map((m) => m.entry);
    const state = (remote: PresenceEntry[]) => JSON.stringify({ op: 'presence', channel, event: 'state', members: [...local, ...remote], self: member.key });
    if (!this.relay) return member.send(state([]));
    this.relay.join(this.project, channel, entry).then(
      (remote) => this.channels.get(channel)?.get(member.key)?.member === member && member.send(state(remote)),
      (err) => {
        this.onError(err);
        member.send(state([]));
      },
    );
  }

  /** Removes a member; the others get a `leave` diff. False when it was not a member. */
  leave(channel: string, member: ChannelMember): boolean {
    const members = this.channels.get(channel);
    const membership = members?.get(member.key);
    if (!members || !membership) return false;
    members.delete(member.key);
    if (members.size === 0) this.channels.delete(channel);
    const diff = JSON.stringify({ op: 'presence', channel, event: 'leave', member: membership.entry });
    for (const other of members.values()) other.member.send(diff);
    this.relay?.leave(this.project, channel, membership.entry).catch(this.onError);
    return true;
  }

  isMember(channel: string, member: ChannelMember): boolean {
    return this.channels.get(channel)?.has(member.key) ?? false;
  }

  /** Sends an event to the channel's other members. */
  broadcast(channel: string, from: ChannelMember, event: string, payload: unknown): void {
    const members = this.channels.get(channel);
    if (!members) return;
    const frame = JSON.stringify({ op: 'broadcast', channel, event, payload, from: from.key });
    for (const other of members.values()) if (other.member !== from) other.member.send(frame);
    this.relay?.broadcast(this.project, channel, from.key, event, payload).catch(this.onError);
  }

  /** What another process's members did, for this process's members of the channel. */
  remote(message: RelayMessage): void {
    const members = this.channels.get(message.c);
    if (!members) return;
    const frame = message.t === 'broadcast'
      ? JSON.stringify({ op: 'broadcast', channel: message.c, event: message.event, payload: message.payload, from: message.from })
      : JSON.stringify({ op: 'presence', channel: message.c, event: message.t, member: message.member });
    for (const { member } of members.values()) member.send(frame);
  }
}
