/**
 * Who is in the mesh (web2p only, PROTOCOL.md §14.8): every node known to be alive, not only
 * neighbours. Each node broadcasts a small heartbeat every MEMBER_HEARTBEAT_MS carrying the version
 * of its metadata, never a list: a node hears of every other through the waterfall, and forgets one
 * not heard from for MEMBER_TIMEOUT_MS. Metadata (`setMeta`) is broadcast when it changes, and asked
 * for over the mesh route by a node that sees a newer version in a heartbeat than it holds (a node
 * that joined later). The neighbour each heartbeat first came through is the route back to its
 * sender (reverse-path routing), which routed-send.ts uses.
 *
 * Cost per node: one heartbeat of about 100 bytes per member per interval, received about once per
 * link it crosses (measured in test/sim/members.test.ts).
 */
import { MetaTooLargeError } from '../errors.js';
import { every } from '../runtime/clock.js';
import { encode } from '../wire/msgpack.js';
import { flags } from '../wire/flags.js';
import type { Packet } from '../wire/packet.js';
import type { Connection } from './connection.js';
import {
  MAX_MEMBER_HEARTBEAT_MS,
  MAX_MEMBERS,
  MAX_META_BYTES,
  MEMBER_BEATS_PER_SECOND,
  MEMBER_HEARTBEAT_MS,
  MEMBER_SWEEP_MS,
  MEMBER_TIMEOUT_MS,
  META_ASK_RETRY_MS,
} from './constants.js';
import {
  decodeMemberMessage,
  decodeMeta,
  encodeBeat,
  encodeLeave,
  encodeMeta,
  encodeMetaBroadcast,
  MEMBER_SUBFLAG,
  META_ASK_KIND,
  META_KIND,
  type MemberMeta,
} from './member-messages.js';
import type { Message } from './message.js';
import type { RoutedSend } from './routed-send.js';
import type { MeshContext, Service } from './service.js';

export type { MemberMeta } from './member-messages.js';

/** A node of the mesh known to be alive (`sock.members`). */
export interface Member {
  /** Its node id. */
  readonly id: string;
  /** What it published with `setMeta()`; `{}` until it does (or until its metadata arrives). */
  readonly meta: MemberMeta;
  /** Whether it is in our routing table (a direct link), rather than reached through others. */
  readonly neighbour: boolean;
  /** When we last heard from it, in milliseconds on the socket's clock (Date.now() outside a simulation). */
  readonly lastSeen: number;
}

export interface MembersOptions {
  /** Most members kept; see MAX_MEMBERS. */
  maxMembers?: number | undefined;
  /** Largest encoded metadata accepted from `setMeta()` and from peers; see MAX_META_BYTES. */
  maxMetaBytes?: number | undefined;
  /** Whether to beat (MeshTuning.memberHeartbeats); without, the members are the neighbours. */
  heartbeats?: boolean | undefined;
}

/**
 * The metadata of every member that published none: one shared empty object, not one per record. A
 * node knows up to MAX_MEMBERS members, so 4,000 simulated nodes hold up to 4 million records, and
 * an empty object each was 56 bytes of about 330. Frozen, as a member's metadata is read-only to the app.
 */
const NO_META: MemberMeta = Object.freeze({});

/** One member as this node tracks it; handed out as a Member. */
class MemberRecord implements Member {
  meta: MemberMeta = NO_META;
  /** The version of `meta`; 0 before any setMeta(). */
  version = 0;
  /** The heartbeat interval it announced. */
  intervalMs = MEMBER_HEARTBEAT_MS;
  /** When silence means it is gone: its announced interval, three times, plus slack. */
  timeoutMs = MEMBER_TIMEOUT_MS;
  /** Whether a member message of its own reached us: it is a web2p node, which takes routed messages. */
  web2p = false;
  /** The neighbour its latest heartbeat came through: the route back to it. */
  via: string | undefined;
  /** The metadata version we last asked for, and when. */
  asked = 0;
  askedAt = 0;

  constructor(
    readonly id: string,
    public lastSeen: number,
    private readonly table: ReadonlyMap<string, Connection>,
  ) {}

  get neighbour(): boolean {
    return this.table.has(this.id);
  }
}

export class Members implements Service {
  readonly name = 'members';
  readonly subFlags = [MEMBER_SUBFLAG];
  private readonly records = new Map<string, MemberRecord>();
  /** Neighbours that sent a heartbeat of their own: they take routed messages. */
  private readonly web2pNeighbours = new Set<string>();
  private readonly maxMembers: number;
  private readonly maxMetaBytes: number;
  private readonly heartbeats: boolean;
  private mesh!: MeshContext;
  private stopBeating: (() => void) | undefined;
  private ownMeta: MemberMeta = {};
  private ownVersion = 0;
  private lastBeat = -Infinity;
  /** The interval our last heartbeat announced. */
  private announced = MEMBER_HEARTBEAT_MS;
  /** The announced intervals' median, worked out again only after one changed (undefined: to do). */
  private medianInterval: number | undefined;
  /** Calls waiting for the table to grow (waitForPeers). */
  private readonly growth = new Set<() => void>();

  constructor(
    private readonly routed: RoutedSend,
    options: MembersOptions = {},
  ) {
    this.maxMembers = options.maxMembers ?? MAX_MEMBERS;
    this.maxMetaBytes = options.maxMetaBytes ?? MAX_META_BYTES;
    this.heartbeats = options.heartbeats ?? true;
    routed.on(META_ASK_KIND, (from) => routed.send(from, META_KIND, encodeMeta(this.ownVersion, this.ownMeta)));
    routed.on(META_KIND, (from, body) => this.onMeta(from, decodeMeta(body)));
  }

  /** Every member, by id. */
  get members(): ReadonlyMap<string, Member> {
    return this.records;
  }

  /** What this node published with setMeta(). */
  get meta(): MemberMeta {
    return this.ownMeta;
  }

  start(mesh: MeshContext): void {
    this.mesh = mesh;
    if (!this.heartbeats) return;
    this.stopBeating = every(mesh.clock, MEMBER_SWEEP_MS, () => {
      this.sweep();
      // never later than the interval we announced: the others time us out by it
      if (mesh.clock.now() - this.lastBeat >= Math.min(this.intervalMs(), this.announced)) this.beat();
    });
  }

  /** Publishes this node's metadata to every member; throws MetaTooLargeError over the limit. */
  setMeta(meta: MemberMeta): void {
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new TypeError('setMeta() takes a plain object');
    const size = encode({ ...meta }).length;
    if (size > this.maxMetaBytes) throw new MetaTooLargeError(size, this.maxMetaBytes);
    this.ownMeta = { ...meta };
    this.ownVersion++;
    if (this.mesh.routingTable.size > 0) this.mesh.sendPayload(flags.broadcast, encodeMetaBroadcast(this.ownVersion, this.ownMeta));
  }

  /** The neighbour to hand a routed message for `to` to (routed-send.ts). */
  nextHop(to: string): Connection | undefined {
    const table = this.mesh.routingTable;
    const direct = table.get(to);
    if (direct) return direct;
    const via = this.records.get(to)?.via;
    return via === undefined ? undefined : table.get(via);
  }

  /** Whether `id` is a member known to be a web2p node (it sent heartbeats): it takes routed messages. */
  isWeb2p(id: string): boolean {
    return this.records.get(id)?.web2p === true;
  }

  /** A node on the way to `to` had no route further: its heartbeats will give us a fresh one. */
  forgetRoute(to: string): void {
    const record = this.records.get(to);
    if (record) record.via = undefined;
  }

  /** Resolves once at least `n` members are known; `cancel` withdraws the wait. */
  whenAtLeast(n: number): { reached: Promise<void>; cancel: () => void } {
    let check!: () => void;
    const reached = new Promise<void>((resolve) => {
      check = () => {
        if (this.records.size < n) return;
        this.growth.delete(check);
        resolve();
      };
    });
    this.growth.add(check);
    check();
    return { reached, cancel: () => this.growth.delete(check) };
  }

  peerUp(conn: Connection): void {
    const id = conn.id!;
    if (conn.dialect.web2p) this.web2pNeighbours.add(id);
    const record = this.records.get(id);
    if (record) this.changed(record, 'member-update');
    else this.admit(id, true);
    // On our first link the mesh hears of us now rather than at the next beat (waitForPeers
    // elsewhere resolves at once); later links do not beat early: under churn every refill would.
    if (this.heartbeats && this.mesh.routingTable.size === 1 && this.mesh.clock.now() - this.lastBeat >= MEMBER_HEARTBEAT_MS / 3) this.beat();
  }

  peerDown(peerId: string): void {
    this.web2pNeighbours.delete(peerId);
    for (const record of this.records.values()) if (record.via === peerId) record.via = undefined;
    // still a member while its heartbeats reach us through others; the sweep removes it otherwise
    const record = this.records.get(peerId);
    if (!record) return;
    if (this.heartbeats) this.changed(record, 'member-update');
    else this.remove(record);
  }

  handle(msg: Message, conn: Connection): void {
    const message = decodeMemberMessage(msg.wire.payload);
    const sender = msg.sender;
    if (sender === this.mesh.id) return;
    if (sender === conn.id) this.web2pNeighbours.add(sender);
    if (message.kind === 'leave') {
      const record = this.records.get(sender);
      if (record) this.remove(record);
      return;
    }
    const record = this.records.get(sender) ?? this.admit(sender, false);
    if (!record) return;
    record.lastSeen = this.mesh.clock.now();
    if (!record.web2p) this.medianInterval = undefined; // one more interval to count
    record.web2p = true;
    if (this.web2pNeighbours.has(conn.id!)) record.via = conn.id;
    if (message.kind === 'meta') this.onMeta(sender, message);
    else {
      const intervalMs = Math.min(message.intervalMs, MAX_MEMBER_HEARTBEAT_MS);
      if (intervalMs !== record.intervalMs) this.medianInterval = undefined;
      record.intervalMs = intervalMs;
      record.timeoutMs = Math.max(MEMBER_TIMEOUT_MS, record.intervalMs * 3 + 1_000);
      if (message.version > record.version) this.askMeta(record, message.version);
    }
  }

  /** close() began: say goodbye while the links are up. */
  stop(): void {
    this.stopBeating?.();
    if (this.heartbeats && this.mesh.routingTable.size > 0 && !this.mesh.closed) this.mesh.sendPayload(flags.broadcast, encodeLeave());
  }

  private beat(): void {
    if (this.mesh.routingTable.size === 0 || this.mesh.closed) return;
    const intervalMs = (this.announced = this.intervalMs());
    this.lastBeat = this.mesh.clock.now();
    this.mesh.sendPayload(flags.broadcast, encodeBeat(this.ownVersion, intervalMs));
  }

  /**
   * Longer in a large mesh, so that each node receives about MEMBER_BEATS_PER_SECOND heartbeats:
   * from the members we know, or the median interval the others announce when that is longer (a
   * node that just joined a large mesh knows few members yet, and must not beat at the small-mesh
   * rate meanwhile; the median, so that a few forged heartbeats cannot set it).
   */
  private intervalMs(): number {
    const spread = Math.ceil((this.records.size * 1000) / MEMBER_BEATS_PER_SECOND);
    if (this.medianInterval === undefined) {
      const announced = [...this.records.values()].filter((r) => r.web2p).map((r) => r.intervalMs).sort((a, b) => a - b);
      this.medianInterval = announced[Math.floor(announced.length / 2)] ?? 0;
    }
    return Math.min(MAX_MEMBER_HEARTBEAT_MS, Math.max(MEMBER_HEARTBEAT_MS, spread, this.medianInterval));
  }

  /** Members not heard from in time leave; neighbours stay while their link is up. */
  private sweep(): void {
    const now = this.mesh.clock.now();
    for (const record of [...this.records.values()]) {
      if (now - record.lastSeen > record.timeoutMs && !record.neighbour) this.remove(record);
    }
  }

  private onMeta(sender: string, { version, meta }: { version: number; meta: MemberMeta }): void {
    if (sender === this.mesh.id) return;
    const size = encode(meta as Packet).length;
    if (size > this.maxMetaBytes) {
      // relayed to us by innocent neighbours: ignored, not a reason to drop them
      this.mesh.debug.print(1, () => `metadata of ${sender} is ${size} bytes, over ${this.maxMetaBytes}: ignored`);
      return;
    }
    const known = this.records.get(sender);
    const record = known ?? this.admit(sender, false);
    if (!record) return;
    record.lastSeen = this.mesh.clock.now();
    if (version <= record.version && known) return;
    record.version = version;
    record.meta = meta;
    if (known) this.changed(record, 'member-update');
  }

  private askMeta(record: MemberRecord, version: number): void {
    const now = this.mesh.clock.now();
    if (record.asked >= version && now - record.askedAt < META_ASK_RETRY_MS) return;
    record.asked = version;
    record.askedAt = now;
    this.routed.send(record.id, META_ASK_KIND, []);
  }

  /** Adds a member and announces it, unless the table is full (neighbours are always admitted). */
  private admit(id: string, neighbour: boolean): MemberRecord | undefined {
    if (this.records.size >= this.maxMembers && !neighbour) {
      this.mesh.debug.print(1, () => `member table full (${this.maxMembers}): ${id} ignored`);
      return undefined;
    }
    const record = new MemberRecord(id, this.mesh.clock.now(), this.mesh.routingTable);
    this.records.set(id, record);
    // announced once the message that revealed it is read (its meta may be in it)
    queueMicrotask(() => {
      if (this.records.get(id) !== record) return;
      this.changed(record, 'member-join');
      for (const wake of [...this.growth]) wake();
    });
    return record;
  }

  private remove(record: MemberRecord): void {
    this.records.delete(record.id);
    this.medianInterval = undefined;
    this.changed(record, 'member-leave');
  }

  private changed(record: MemberRecord, event: 'member-join' | 'member-update' | 'member-leave'): void {
    this.mesh.emit(event, record);
  }
}
