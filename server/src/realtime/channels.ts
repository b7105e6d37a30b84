import type { PresenceEntry } from '@baas/protocol';

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
 * frame is serialized once and written to every recipient. (Channels are
 * not carried across processes by the bus: members of one channel must reach
 * the same process.)
 */
export class Channels {
  private readonly channels = new Map<string, Map<string, Membership>>();

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
    member.send(JSON.stringify({ op: 'presence', channel, event: 'state', members: [...members.values()].map((m) => m.entry), self: member.key }));
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
  }
}
