/**
 * A service is one kind of behaviour on top of the mesh core: peer exchange, routed replies, the
 * signal relay, the sync dict, the chord ring. It owns a set of sub-flags (the dispatcher hands it
 * exactly those messages; two services claiming one sub-flag fail when the second registers), may
 * put its mark on the protocol id, and hears when peers come and go. It reaches the mesh only
 * through the MeshContext it is started with.
 */
import type { Identity } from '../identity/keys.js';
import type { StoredIdentity } from '../identity/stored-identity.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { WireAddress } from '../transport/types.js';
import type { WireMessage } from '../wire/message.js';
import type { OutgoingPacket } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import type { Connection } from './connection.js';
import type { DebugLog } from './debug.js';
import type { Message } from './message.js';
import type { RoutedSend } from './routed-send.js';
import type { TrustMode } from './mesh-options.js';
import type { MaybePromise } from '../identity/ed25519.js';

/** A sub-flag: py2p's are integers; web2p's own extensions use strings py2p ignores. */
export type SubFlag = number | string;

export interface Service {
  /** For messages and registration errors. */
  readonly name: string;
  /** The sub-flags whose messages this service handles. */
  readonly subFlags: readonly SubFlag[];
  /** Its mark on the protocol peers must share (sync: the leasing digit on the subnet, §6.1). */
  protocol?(protocol: Protocol): Protocol;
  /** Appended to the protocol id in handshakes and required of peers (chord: base58(k)). */
  readonly protocolIdSuffix?: string;
  /** How the mesh core should behave under this service (see MeshTuning). */
  readonly tuning?: MeshTuning;
  /**
   * The node's key pair as this service's store keeps it (identity/stored-identity.ts), made with
   * `create` and stored when there is none; undefined when the service persists nothing. Asked
   * before start(), when the socket was given no `identity`; the socket starts once it resolves.
   */
  storedIdentity?(protocol: Protocol, create: () => MaybePromise<Identity>): Promise<StoredIdentity> | undefined;
  /** Called once, before the socket listens. */
  start(mesh: MeshContext): void;
  /** close() began: finish what needs the network (the mesh is still up while this runs). */
  stop?(): Promise<void> | void;
  /** close() ended: release what is left (stores). */
  closed?(): Promise<void> | void;
  /** A peer's handshake completed and it has our peer list. */
  peerUp?(conn: Connection): void;
  /** A peer left the routing table. */
  peerDown?(peerId: string): void;
  /**
   * A new broadcast with one of `subFlags`, before the mesh relays it: false refuses it (it is
   * neither relayed nor handled); throwing (FrameError, or any error naming what the peer did) also
   * drops the link it came by.
   */
  vet?(msg: Message, conn: Connection): boolean;
  /** A message with one of `subFlags`, from a peer whose handshake completed. Throw FrameError for malformed input. */
  handle(msg: Message, conn: Connection): void;
}

export interface MeshTuning {
  /**
   * Whether to advertise NEIGHBOUR_UPDATES_MARKER (push our peer list to every neighbour on each
   * table change, so relays can prune). Default true; chord turns it off (see its service).
   */
  neighbourUpdates?: boolean;
  /** Ask neighbours for peers at most this often after losses (chord: once per stabilization round). */
  peerRequestIntervalMs?: number;
  /**
   * Whether nodes broadcast member heartbeats (members.ts). Default true; chord turns them off: its
   * nodes have many neighbours and do not prune relays, so a broadcast per node per interval costs
   * O(nodes × degree) frames, and the ring keeps its own view of who is there. `sock.members` then
   * lists the neighbours.
   */
  memberHeartbeats?: boolean;
}

/** What a service may use of the mesh. */
export interface MeshContext {
  readonly id: string;
  /** The key pair `id` is derived from: what this node signs its records with. */
  readonly identity: Identity;
  /** Whether unsigned peers and records are let in (MeshSocketOptions.trust). */
  readonly trust: TrustMode;
  readonly protocol: Protocol;
  /** The protocol id in handshakes (the protocol's, plus any service suffix). */
  readonly wireProtocolId: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly debug: DebugLog;
  /** The largest frame body a peer accepts (MeshSocketOptions.maxFrameBytes): what a service's data must fit. */
  readonly maxFrameBytes: number;
  /** Peers whose handshake completed, by id. */
  readonly routingTable: ReadonlyMap<string, Connection>;
  readonly closed: boolean;
  nowSeconds(): number;
  /** Our reachable [host, port] as advertised in handshakes. */
  wireAddress(): WireAddress;
  /**
   * Sends `[flag, id, now, ...payload]` to every neighbour; a broadcast is relayed by the whole
   * mesh. `onSent` gets the message as it went out (a broadcast may leave a second later, see
   * BroadcastOutbox).
   */
  sendPayload(flag: number, payload: readonly OutgoingPacket[], onSent?: (wire: WireMessage) => void): void;
  /**
   * The connection to a peer known by id and address, dialling it when there is none (one dial per
   * peer at a time, shared with everyone who wants it). Rejects when it cannot be reached.
   */
  dial(addr: WireAddress, peerId: string): Promise<Connection | undefined>;
  /**
   * Sends to one node over the mesh route, with no direct link (PROTOCOL.md §14.9): `send(to, kind,
   * body)`, `on(kind, handler)` for what arrives, `hasRoute(to)`, `onUnreachable(listener)` when a
   * node on the way had no route further. Both ends must be web2p.
   */
  readonly routed: Pick<RoutedSend, 'send' | 'on' | 'hasRoute' | 'onUnreachable'>;
  /** Asks every neighbour for its peers. */
  requestPeers(): void;
  /**
   * Whether `conn`'s peer may be sent an answer of about `bytes` now: answers to what a peer asks
   * (a record answering its stale one) are bounded per peer and per second (NodeLimits). Skip the
   * answer when false.
   */
  mayAnswer(conn: Connection, bytes: number): boolean;
  /** Emits one of the socket's events (a service's own, such as sync's 'update'). */
  emit(event: string, ...args: unknown[]): void;
  /** Reports a failure nobody waits for: a debug line and an 'error' event. */
  reportError(error: unknown, context: string): void;
}
