/**
 * Room membership and delivery to a member, behind a small interface so that several server
 * instances can share rooms without the session code changing: the in-memory backend here, the
 * Redis one in redis-rooms.ts.
 */

/** A client of this instance, as a backend sees it: an id and a way to hand it a text frame. */
export interface RoomMember {
  readonly id: string;
  deliver(frame: string): void;
}

/**
 * Membership of rooms and delivery of frames to members that may be connected to another instance.
 * Methods are async because a shared backend needs the network; the in-memory one answers at once.
 */
export interface RoomBackend {
  /**
   * Adds `member` to `room` unless a member with its id is already there or the room holds
   * `capacity` members. Resolves to the ids present before it (oldest first), or to why it was
   * refused. Joining and taking the snapshot must be one atomic step, so that every later join or
   * leave reaches the newcomer.
   */
  join(room: string, member: RoomMember, capacity: number): Promise<JoinResult>;
  /** Removes `id` from `room`; nothing happens when it is not there. */
  leave(room: string, id: string): Promise<void>;
  /** Hands `frame` to member `to` of `room`; resolves false when there is no such member. */
  sendTo(room: string, to: string, frame: string): Promise<boolean>;
  /** Hands `frame` to every member of `room` except `except`. */
  broadcast(room: string, frame: string, except: string): Promise<void>;
  /** Rooms with at least one member connected to this instance (for /healthz and /metrics). */
  readonly localRoomCount: number;
  /** For a backend that depends on a service: whether it is reachable now, for /healthz and /metrics. */
  health?(): BackendHealth;
  /** Releases connections and timers; called once by the server's close(), after its clients are gone. */
  close?(): Promise<void>;
}

/** The ids present before a successful join, or why the join was refused. */
export type JoinResult = { present: string[] } | { refused: 'id-taken' | 'room-full' };

/** A shared backend's link to its service (Redis). */
export interface BackendHealth {
  up: boolean;
  /** Times the link came back after being lost. */
  reconnects: number;
}

/** Every room in one process's memory: a map of maps, in join order. */
export class MemoryRoomBackend implements RoomBackend {
  private readonly rooms = new Map<string, Map<string, RoomMember>>();

  get localRoomCount(): number {
    return this.rooms.size;
  }

  async join(room: string, member: RoomMember, capacity: number): Promise<JoinResult> {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Map();
      this.rooms.set(room, members);
    }
    if (members.has(member.id)) return { refused: 'id-taken' };
    if (members.size >= capacity) return { refused: 'room-full' };
    const present = [...members.keys()];
    members.set(member.id, member);
    return { present };
  }

  async leave(room: string, id: string): Promise<void> {
    const members = this.rooms.get(room);
    if (!members?.delete(id)) return;
    if (members.size === 0) this.rooms.delete(room);
  }

  async sendTo(room: string, to: string, frame: string): Promise<boolean> {
    const member = this.rooms.get(room)?.get(to);
    member?.deliver(frame);
    return member !== undefined;
  }

  async broadcast(room: string, frame: string, except: string): Promise<void> {
    for (const member of this.rooms.get(room)?.values() ?? []) {
      if (member.id !== except) member.deliver(frame);
    }
  }
}
