import { sha256 } from '@noble/hashes/sha2.js';
import { KeyError, SocketClosedError, TimeoutError, Web2pError } from '../errors.js';
import type { Connection } from '../mesh/connection.js';
import { NEIGHBOUR_UPDATES_MARKER } from '../mesh/constants.js';
import { MeshSocket, type Handler, type MeshEvents, type MeshSocketOptions } from '../mesh/mesh-socket.js';
import type { Message } from '../mesh/message.js';
import { every } from '../runtime/clock.js';
import { describeKey } from '../replica/keys.js';
import { isMapping } from '../replica/mapping.js';
import { openReplicaStore, type ReplicaStore } from '../replica/replica-store.js';
import type { PersistOption } from '../store/types.js';
import { toBase58, bytesToBase58 } from '../wire/base58.js';
import { flags } from '../wire/flags.js';
import { utf8, type Packet } from '../wire/packet.js';
import { Protocol } from '../wire/protocol.js';
import {
  DEFAULT_K,
  DEFAULT_REPLICAS,
  HANDOFF_ACK_MS,
  REPLICA_ACK_MS,
  JOIN_TIMEOUT_MS,
  META_WAIT_MS,
  RECORDS_PER_MESSAGE,
  STABILIZE_MS,
  SUCCESSOR_LIST_SIZE,
} from './constants.js';
import {
  decodeChord,
  decodeEntry,
  encodeAnswer,
  encodeEntry,
  encodeMeta,
  encodeRecords,
  encodeRequest,
  type ChordAnswer,
  type ChordRecords,
  type ChordRequest,
  type Meta,
  type NodeEntry,
  type RecordsKind,
  type RequestKind,
  type WireRecord,
} from './messages.js';
import { execute } from './operations.js';
import { ForwardTable, Lookups } from './requests.js';
import { keyPosition, positionFromId, resolvePosition, ringSize } from './ring.js';
import { RingView } from './ring-view.js';
import { Shard } from './shard.js';

export type { NodeEntry } from './messages.js';

/** Options of `new ChordSocket(options)`: the mesh's, plus the ring's size, replication and persistence. */
export interface ChordSocketOptions extends MeshSocketOptions {
  /** The ring has 2**k positions: at most 2**k storing nodes, at most k hops a lookup. Default 6. */
  k?: number;
  /** How many successors of a value's node keep a copy of it (the r): 1 + replicas copies in all. Default 3. */
  replicas?: number;
  /**
   * Keep the shard: true = IndexedDB in browsers (namespace `chord:<protocol id + base58(k)>`) and
   * `./.web2p` in Node, `{ dir }` for another directory (Node), or any Store.
   */
  persist?: PersistOption;
}

/** The events of a ChordSocket: the mesh's, plus `join` and `leave` of the ring. */
export type ChordEvents = MeshEvents & {
  /** This node now stores data, at this ring position. */
  join: (position: number) => void;
  /** This node stopped storing (leave() or close()); its keys went to its successor. */
  leave: () => void;
};

/** A key of the chord dict: bytes, or a string taken as its UTF-8 (api.md "Values"). */
export type ChordKey = string | Uint8Array;

/** What getWithInfo() tells besides the value: how the lookup went. */
export interface LookupInfo {
  found: boolean;
  value: Packet | undefined;
  /** Routed requests sent to reach the answering node (0 when this node answered). */
  hops: number;
  /** The node that answered: the key's responsible node. */
  node: string;
  /** The key's ring position. */
  position: number;
}

/** A snapshot of this node's place on the ring, for tests, demos and debugging. */
export interface RingState {
  position: number | undefined;
  predecessor: NodeEntry | undefined;
  successors: readonly NodeEntry[];
  fingers: readonly NodeEntry[];
}

/**
 * ChordSocket (api.md): a distributed hash table on top of the mesh, in the seed tutorial's design:
 * a ring of 2**k positions, each storing node at one of them, each key at the first node at or after
 * its position (classic Chord), copied to the next `replicas` nodes, and found in at most k routed
 * requests through finger tables. Nodes that have not joined store nothing and read and write
 * through storing neighbours.
 *
 * Design (see messages.ts for the wire format):
 * - Position: the top k bits of SHA-256 of the node id's UTF-8 text; on collision the first free
 *   position clockwise (ring.ts resolvePosition), found by asking the ring, not guessed.
 * - Routing is recursive over connections the node already has (the successor, fingers and any
 *   storing neighbour whose position it knows); answers go back along the reverse path.
 * - Stabilization every STABILIZE_MS: ask the successor for its predecessor and successor list
 *   (one meta exchange), re-replicate when the range or the replica set changed, refresh a finger.
 * - Joins take their keys from the successor; leaves hand theirs to it; crashes are covered by the
 *   replicas and re-replication, so data survives while no more than `replicas` consecutive nodes
 *   fail between two rounds.
 * - keys() lists the keys this node is responsible for (its shard without the replicas), so the
 *   union over all storing nodes is the whole dict, each key once. It is local and synchronous:
 *   py2p's network-wide key set costs a broadcast to every node per write, which is exactly the
 *   O(n) a DHT exists to avoid.
 * - persist: the shard and the node's position go to a Store; a restarted node (which has a new
 *   id) rejoins at the saved position, so the keys it kept are again in its range.
 *
 * @example
 * ```ts
 * import { ChordSocket } from 'web2p';
 *
 * const dht = new ChordSocket({ k: 6, replicas: 3 });
 * await dht.connect('ws://127.0.0.1:8787/dht');
 * await dht.join();                          // store a share of the data (else only ask)
 * await dht.set('key', { any: 'msgpack value' });
 * await dht.get('key');                      // KeyError when absent
 * ```
 */
export class ChordSocket extends MeshSocket<ChordEvents> {
  /** The protocol of sockets made without one (py2p's `chord.default_protocol`). */
  static override defaultProtocol = new Protocol('chord', 'Plaintext');

  /** The ring has 2**k positions. */
  readonly k: number;
  /** How many successors keep a copy of each value. */
  readonly replicas: number;
  private readonly shard: Shard;
  /** Where the shard is kept, with `persist` (replica/replica-store.ts). */
  private readonly store: ReplicaStore | undefined;
  private readonly ring: RingView;
  private readonly forwards = new ForwardTable();
  private readonly lookups: Lookups;
  /** Neighbours whose meta arrived, and the storing nodes they told us about. */
  private readonly heardFrom = new Map<string, readonly NodeEntry[]>();
  /** Neighbours whose meta arrived since join() last asked for fresh ones. */
  private readonly freshMeta = new Set<string>();
  /** Dials in flight, shared by everyone who needs the same node meanwhile. */
  private readonly chordDials = new Map<string, Promise<Connection | undefined>>();
  private readonly acks = new Map<string, () => void>();
  /** Re-checked after every chord message: join's waits. */
  private readonly watchers = new Set<() => void>();
  /** What the last re-replication pushed: the range start and the replica ids. */
  private replicated: { from: number; to: string } | undefined;
  private stopStabilizing: (() => void) | undefined;
  private fingerLookup = false;
  private joining: Promise<void> | undefined;
  /** When requestPeers() last asked (see there). */
  private peersAskedAt = Number.NEGATIVE_INFINITY;
  /** While joining: told what our successor reports as its predecessor. */
  private joinVerdict: ((meta: Meta) => void) | undefined;

  constructor(options: ChordSocketOptions = {}) {
    super(options);
    this.k = options.k ?? DEFAULT_K;
    this.replicas = options.replicas ?? DEFAULT_REPLICAS;
    this.ring = new RingView(this.id, () => this.transport.wireAddress(), this.k, Math.max(SUCCESSOR_LIST_SIZE, this.replicas), () =>
      this.clock.now(),
    );
    this.store = openReplicaStore(options.persist, `chord:${this.wireProtocolId}`, (error) => this.reportError(error));
    this.shard = new Shard(this.k, this.store);
    this.lookups = new Lookups(
      this.clock,
      (request) => this.dispatchOwn(request),
      () => this.newId(),
    );
  }

  /** Checks k and replicas before the mesh starts listening, so a bad option leaves nothing running. */
  protected override adjustProtocol(protocol: Protocol, options: ChordSocketOptions): Protocol {
    ringSize(options.k ?? DEFAULT_K); // throws RangeError outside [MIN_K, MAX_K]
    const replicas = options.replicas ?? DEFAULT_REPLICAS;
    if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`replicas must be an integer ≥ 0, not ${replicas}`);
    return protocol;
  }

  /** The seed's check, `protocol.id + base58(k)`: a peer with another k is a protocol mismatch. */
  protected override get wireProtocolId(): string {
    return this.protocol.id + toBase58(this.k);
  }

  /**
   * Our handshake without the mesh's NEIGHBOUR_UPDATES_MARKER: a chord node keeps a connection to
   * every finger and successor (k + a few), and pushing the whole peer list to every neighbour on
   * every table change costs O(degree²) frames per change, which dominated a 128-node ring; those
   * lists only prune broadcast relays, and chord does not broadcast. Peers then push none to us
   * and we push none to them.
   */
  protected override handshakePayload(): Packet[] {
    const payload = super.handshakePayload();
    payload[4] = (payload[4] as number[]).filter((method) => method !== NEIGHBOUR_UPDATES_MARKER);
    return payload;
  }

  /**
   * Coalesces the mesh's peer requests: it asks every neighbour for its peer list after each
   * unexpected loss, and a chord node has k + ~10 neighbours and loses several at the same moment
   * when nodes crash together, so one round per stabilization period asks them all once instead
   * of once per lost link (that storm was most of the cost of repairing a ring after a crash).
   */
  override requestPeers(): void {
    const now = this.clock.now();
    if (now - this.peersAskedAt < STABILIZE_MS) return;
    this.peersAskedAt = now;
    super.requestPeers();
  }

  /** Whether this node stores data (joined). */
  get joined(): boolean {
    return this.ring.member;
  }

  /** This node's place on the ring as it knows it: position, predecessor, successors, fingers. */
  ringState(): RingState {
    return {
      position: this.ring.position,
      predecessor: this.ring.pred,
      successors: [...this.ring.successors],
      fingers: this.ring.fingers.entries(),
    };
  }

  // ---------------------------------------------------------------- the dict

  /** The value at `key`; rejects with KeyError when absent, unless a fallback is given. */
  get(key: ChordKey, fallback?: Packet): Promise<Packet> {
    return this.clock.whilePending(
      this.lookup('get', key).then((info) => {
        if (info.found) return info.value!;
        if (fallback !== undefined) return fallback;
        throw new KeyError(`key ${JSON.stringify(describeKey(key))} is not in the chord dict`);
      }),
    );
  }

  /** Like get(), but never rejects for an absent key, and says how many hops it took and who answered. */
  getWithInfo(key: ChordKey): Promise<LookupInfo> {
    return this.clock.whilePending(this.lookup('get', key));
  }

  /** Stores `value` at `key` on its responsible node and the replicas; resolves once stored. */
  set(key: ChordKey, value: Packet): Promise<void> {
    return this.clock.whilePending(this.lookup('set', key, value).then(() => undefined));
  }

  /** set() for every entry, in parallel; resolves when all are stored. */
  update(entries: Record<string, Packet> | Map<ChordKey, Packet>): Promise<void> {
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
    return this.clock.whilePending(Promise.all(pairs.map(([key, value]) => this.set(key, value))).then(() => undefined));
  }

  /** Removes `key`; resolves true if it was there, false if not (as Map.delete). */
  delete(key: ChordKey): Promise<boolean> {
    return this.clock.whilePending(this.lookup('delete', key).then((info) => info.found));
  }

  /**
   * Merges `mapping` into the mapping at `key` (created when absent) and resolves with the result;
   * rejects with TypeError when the value there is not a mapping (protocol.md §6.4).
   */
  applyDelta(key: ChordKey, mapping: { [key: string]: Packet }): Promise<{ [key: string]: Packet }> {
    if (!isMapping(mapping)) return Promise.reject(new TypeError('applyDelta needs a mapping (a plain object)'));
    return this.clock.whilePending(
      this.lookup('delta', key, mapping).then((info) => {
        if (!info.found) throw new TypeError(`the value at ${JSON.stringify(describeKey(key))} is not a mapping, so a delta cannot merge into it`);
        return info.value as { [key: string]: Packet };
      }),
    );
  }

  /** The keys this node is responsible for (see the top of this file); none when not joined. */
  keys(): Uint8Array[] {
    const { member, position, pred } = this.ring;
    if (!member) return [];
    return this.shard.liveKeys(pred?.position ?? position!, position!);
  }

  private async lookup(kind: RequestKind, key: ChordKey, value?: Packet): Promise<LookupInfo> {
    if (this.isClosed) throw new SocketClosedError();
    const bytes = typeof key === 'string' ? utf8(key) : key;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('a chord key must be a string or a Uint8Array');
    const position = keyPosition(bytes, this.k);
    const answer = await this.lookups.start(this.newRequest(kind, position, bytes, value));
    return {
      found: answer.status === 'ok',
      value: answer.value,
      hops: answer.hops,
      node: answer.responder.id,
      position,
    };
  }

  private newRequest(kind: RequestKind, position: number, key?: Uint8Array, value?: Packet): ChordRequest {
    return { kind, id: this.newId(), hops: 0, final: false, position, key, value };
  }

  /** Request and ack ids: 128 random bits from the injected source. */
  private newId(): string {
    return bytesToBase58(this.random.bytes(16));
  }

  // ---------------------------------------------------------------- joining and leaving

  /**
   * Makes this node a storing node. Resolves once its successor has accepted it (and handed over
   * the keys now in its range); rejects when the ring is full or no successor accepts it in time.
   */
  join(): Promise<void> {
    if (this.isClosed) return Promise.reject(new SocketClosedError());
    if (this.ring.member) return Promise.resolve();
    this.joining ??= this.enterRing().finally(() => (this.joining = undefined));
    return this.clock.whilePending(this.joining);
  }

  /**
   * Resolves once every change to this node's shard so far (its own writes and copies it holds) is
   * durable in the store; rejects with the StoreError when one is not. Without `persist`, at once.
   */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  /** Stops storing: hands every key to the successor, and forgets the persisted shard. */
  leave(): Promise<void> {
    return this.clock.whilePending(this.depart(true));
  }

  /** Leaves the ring (keeping a persisted shard for a restart), then closes the mesh. */
  override close(): Promise<void> {
    return this.clock.whilePending(this.shutdown());
  }

  private async shutdown(): Promise<void> {
    if (this.isClosed) return;
    await this.depart(false);
    this.lookups.close(new SocketClosedError());
    await super.close();
    await this.store?.close();
  }

  private async enterRing(): Promise<void> {
    const saved = await this.shard.load();
    // connect(room) resolves before any peer connects: give the first one a moment to arrive, or
    // a node that just met the room would take its position blind and could collide later.
    if (this.routingTable.size === 0) await this.waitFor(() => this.routingTable.size > 0, META_WAIT_MS);
    await this.refreshNeighbours();
    const preferred = saved ?? positionFromId(sha256(utf8(this.id)), this.k);
    const taken = new Set<number>();
    const deadline = this.clock.now() + JOIN_TIMEOUT_MS;
    let candidate = preferred;
    for (;;) {
      if (!(await this.reachRing())) {
        this.debug.print(2, () => `no storing node around: starting the ring at ${candidate}`);
        this.takePosition(candidate, undefined);
        return this.joinedAt(candidate);
      }
      const found = await this.lookups.start(this.newRequest('find', candidate));
      const responder = found.responder;
      if (responder.position !== candidate) {
        this.takePosition(candidate, responder);
        const acceptance = await this.accepted(deadline);
        if (acceptance) return this.joinedAt(candidate, acceptance.rangeStart);
        this.abandonPosition();
      }
      taken.add(candidate);
      taken.add(responder.position);
      if (Array.isArray(found.value)) for (const entry of found.value) taken.add(decodeEntry(entry, this.k).position);
      const next = resolvePosition(preferred, taken, this.k);
      if (next === undefined) {
        throw new Web2pError(`the ring is full: all 2**${this.k} positions are taken; a larger k makes room`);
      }
      if (this.clock.now() >= deadline) throw new TimeoutError(`join() found no free position within ${JOIN_TIMEOUT_MS} ms`);
      candidate = next;
    }
  }

  /**
   * Asks every neighbour for its current meta and waits (up to META_WAIT_MS) for the answers: what
   * they said at the handshake may be stale, and a node that wrongly sees no ring starts its own.
   */
  private refreshNeighbours(): Promise<boolean> {
    this.freshMeta.clear();
    const ask = encodeMeta(this.meta(true));
    for (const conn of this.routingTable.values()) whisper(conn, ask);
    return this.waitFor(() => [...this.routingTable.keys()].every((id) => this.freshMeta.has(id)), META_WAIT_MS);
  }

  /** Whether a storing node is connected, dialling one a neighbour told us about if needed. */
  private async reachRing(): Promise<boolean> {
    if (this.ring.storingPeers.size > 0) return true;
    for (const list of [...this.heardFrom.values()]) {
      for (const entry of list) {
        if (entry.id === this.id || this.ring.isUnreachable(entry.id)) continue;
        if (await this.connectTo(entry)) {
          if (await this.waitFor(() => this.ring.storingPeers.size > 0, META_WAIT_MS)) return true;
        }
      }
    }
    return false;
  }

  private takePosition(position: number, successor: NodeEntry | undefined): void {
    this.ring.take(position, successor);
    this.replicated = undefined;
    this.stopStabilizing = every(this.clock, STABILIZE_MS, () => this.stabilize());
    if (successor) this.askSuccessor();
  }

  private dropPosition(): void {
    this.stopStabilizing?.();
    this.stopStabilizing = undefined;
    this.ring.drop();
  }

  /**
   * Gives up a position we were not accepted at, and says so: neighbours took us for storing there
   * (our meta while joining names it) and would go on routing requests for it to us.
   */
  private abandonPosition(): void {
    this.dropPosition();
    this.announce();
  }

  /**
   * Waits until the successor reports us as its predecessor (the acceptance: resolves with the
   * start of the range it handed us, if it says), or someone else at our position (false).
   */
  private async accepted(deadline: number): Promise<{ rangeStart: number | undefined } | false> {
    let verdict: { rangeStart: number | undefined } | false | undefined;
    this.joinVerdict = ({ pred, predRangeFrom }) => {
      if (pred?.id === this.id) verdict = { rangeStart: predRangeFrom };
      else if (pred?.position === this.ring.position) verdict = false;
    };
    try {
      const settled = await this.waitFor(() => verdict !== undefined, Math.max(0, deadline - this.clock.now()));
      if (!settled) {
        this.abandonPosition();
        throw new TimeoutError(`join(): no successor accepted this node within ${JOIN_TIMEOUT_MS} ms`);
      }
      return verdict!;
    } finally {
      this.joinVerdict = undefined;
    }
  }

  /** Now a member; `rangeStart` bounds what we answer for until we know a predecessor (RingView). */
  private joinedAt(position: number, rangeStart?: number): void {
    this.ring.accept(rangeStart);
    this.shard.savePosition(position);
    this.announce();
    this.debug.print(2, () => `joined the ring at ${position}`);
    this.emit('join', position);
  }

  /**
   * Stops storing: every item goes to the successor (which confirms), then neighbours learn we left
   * and who our predecessor and successors were, so they close the gap without waiting a round.
   */
  private async depart(forget: boolean): Promise<void> {
    if (this.joining) await this.joining.catch(() => {});
    const { position, pred, successors } = this.ring;
    if (position === undefined) return;
    const successor = successors[0];
    const leaving: Meta = { storing: false, position: undefined, pred, list: [...successors], ask: false };
    const items = this.shard.all();
    this.dropPosition();
    if (successor && items.length > 0) {
      this.debug.print(5, () => `leaving: handing ${items.length} keys to ${successor.id}`);
      const confirmed = await this.sendConfirmed(successor, 'handoff', items, HANDOFF_ACK_MS);
      if (!confirmed) this.debug.print(1, () => `leaving: ${successor.id} did not confirm the handoff in ${HANDOFF_ACK_MS} ms`);
    }
    for (const conn of this.routingTable.values()) whisper(conn, encodeMeta(leaving));
    if (forget) this.shard.clear();
    this.emit('leave');
  }

  /**
   * Sends `items` to `to` and resolves true once it confirms it stored them; false when it cannot
   * be reached or has not confirmed within `ms` of the call, dialling included.
   */
  private sendConfirmed(to: NodeEntry, kind: RecordsKind, items: WireRecord[], ms: number): Promise<boolean> {
    const ackId = this.newId();
    return new Promise<boolean>((resolve) => {
      const finish = (stored: boolean): void => {
        this.acks.delete(ackId);
        this.clock.clearTimeout(timer);
        resolve(stored);
      };
      const timer = this.clock.setTimeout(() => finish(false), ms);
      this.acks.set(ackId, () => finish(true));
      void this.connectTo(to).then((conn) => {
        if (!this.acks.has(ackId)) return; // gave up while dialling
        if (conn) this.sendRecords(conn, kind, items, ackId);
        else finish(false);
      });
    });
  }

  /** Someone at our position was accepted instead of us: move to the next free position. */
  private reposition(): void {
    this.debug.print(2, () => `another node holds position ${this.ring.position}: moving`);
    void this.depart(false)
      .then(() => this.join())
      .catch((error: unknown) => this.reportError(error));
  }

  // ---------------------------------------------------------------- stabilization

  private stabilize(): void {
    if (this.ring.position === undefined) return;
    this.ring.tidy();
    this.askSuccessor();
    this.approachMissedSuccessor();
    this.replicate();
    this.refreshFingers();
    this.shard.purgeTombstones(this.clock.now());
  }

  /** One stabilization exchange with the successor. */
  private askSuccessor(): void {
    const successor = this.ring.successors[0];
    if (successor) this.notify(successor);
  }

  /** Our meta as to our successor (Chord's notify), asking for its own in return. */
  private notify(entry: NodeEntry): void {
    void this.connectTo(entry).then((conn) => conn && whisper(conn, encodeMeta(this.meta(true))));
  }

  /**
   * Joins at once can leave two interleaved loops, each consistent (Chord's "loopy" state), which
   * asking the successor never reveals. The other loop's nodes show up in the successor lists our
   * neighbours send, though: the nearest one between us and our successor is a node we missed. It
   * gets our meta as a successor's would (it takes us for its predecessor if we are closer than
   * its own), and its answer makes it our successor (`storing()`).
   */
  private approachMissedSuccessor(): void {
    const missed = this.ring.nearestCloserSuccessor([...this.heardFrom.values()].flat());
    if (!missed) return;
    this.debug.print(2, () => `${missed.id} at ${missed.position} comes before our successor: asking it`);
    this.notify(missed);
  }

  /**
   * Copies our whole range to our replicas when either changed (a predecessor joined or failed, a
   * successor joined or failed): new replicas get what they lack, and after a failure the range we
   * inherited gets its copies back. Receivers keep the higher version of each item.
   */
  private replicate(): void {
    const { position, pred } = this.ring;
    if (position === undefined || pred === undefined) return;
    const targets = this.ring.replicaSet(this.replicas);
    const state = { from: pred.position, to: targets.map((t) => t.id).join(' ') };
    if (this.replicated && this.replicated.from === state.from && this.replicated.to === state.to) return;
    this.replicated = state;
    const items = this.shard.range(pred.position, position);
    if (items.length === 0) return;
    this.debug.print(5, () => `re-replicating ${items.length} keys to ${targets.length} successors`);
    for (const target of targets) void this.connectTo(target).then((conn) => conn && this.sendRecords(conn, 'replica', items));
  }

  /** Fills fingers from the successor list and looks one distant finger up per round. */
  private refreshFingers(): void {
    const fingers = this.ring.fingers;
    const remote = fingers.refresh(this.ring.self(), this.ring.successors);
    for (const entry of fingers.entries()) void this.connectTo(entry);
    if (!remote || this.fingerLookup) return;
    this.fingerLookup = true;
    this.lookups
      .start(this.newRequest('find', remote.target))
      .then(
        (answer) => {
          if (this.ring.position === undefined) return;
          const node = answer.responder.id === this.id ? undefined : answer.responder;
          fingers.set(remote.index, node);
          if (node) void this.connectTo(node);
        },
        () => {},
      )
      .finally(() => (this.fingerLookup = false));
  }

  // ---------------------------------------------------------------- meta

  private meta(ask: boolean): Meta {
    const { position, pred, successors, storingPeers } = this.ring;
    if (position === undefined) {
      return { storing: false, position: undefined, pred: undefined, list: [...storingPeers.values()].slice(0, SUCCESSOR_LIST_SIZE), ask };
    }
    return { storing: true, position, pred, list: successors, ask, predRangeFrom: this.ring.predRangeFrom };
  }

  private announce(): void {
    const payload = encodeMeta(this.meta(false));
    for (const conn of this.routingTable.values()) whisper(conn, payload);
  }

  protected override onPeerHandshake(conn: Connection): void {
    whisper(conn, encodeMeta(this.meta(false)));
  }

  protected override onPeerGone(peerId: string): void {
    this.heardFrom.delete(peerId);
    this.freshMeta.delete(peerId);
    this.ring.peerGone(peerId);
    this.lookups.peerGone(peerId);
  }

  private onMeta(conn: Connection, meta: Meta): void {
    const id = conn.id!;
    this.heardFrom.set(id, meta.list);
    this.freshMeta.add(id);
    if (meta.storing) {
      const entry: NodeEntry = { id, position: meta.position!, addr: conn.addr! };
      if (this.ring.successors[0]?.id === id) this.fromSuccessor(entry, meta);
      const moved = this.ring.storing(entry, meta.ask);
      if (moved) this.handToPredecessor(conn, moved);
    } else {
      this.ring.left(id, meta);
    }
    if (meta.ask) whisper(conn, encodeMeta(this.meta(false)));
  }

  /**
   * A closer predecessor joined: the keys now in its range go to it. We keep our copies: the new
   * node's successor is a replica of its range.
   */
  private handToPredecessor(conn: Connection, range: { from: number; to: number }): void {
    const moving = this.shard.range(range.from, range.to);
    if (moving.length === 0) return;
    this.debug.print(5, () => `migrating ${moving.length} keys to our new predecessor ${conn.id}`);
    this.sendRecords(conn, 'handoff', moving);
  }

  private fromSuccessor(successor: NodeEntry, meta: Meta): void {
    this.joinVerdict?.(meta);
    const news = this.ring.fromSuccessor(successor, meta);
    if (news === 'closer') this.askSuccessor();
    else if (news === 'conflict' && this.ring.member) this.reposition();
  }

  // ---------------------------------------------------------------- routing

  /** This node's own request: answered here (true), sent on towards the responsible node (the neighbour's id), or no route (false). */
  private dispatchOwn(request: ChordRequest): string | boolean {
    const hop = this.ring.hop(request);
    if (hop === undefined) return false;
    if (hop === 'self') {
      void this.answer(request).then((answer) => this.lookups.answer(answer));
      return true;
    }
    this.forward(request, hop);
    return hop.to.id;
  }

  /**
   * A request from a neighbour: answered here or passed on. Our own request can come back to us
   * while views of the ring differ (we sent it on, the next node sent it back); it goes on like any
   * other, and when it ends here it settles our lookup at once instead of waiting out a retry.
   */
  private onRequest(conn: Connection, request: ChordRequest): void {
    const hop = this.ring.hop(request);
    if (hop === undefined) {
      this.debug.print(2, () => `no route for request ${request.id.slice(0, 8)} (position ${request.position}); dropped`);
      return;
    }
    if (hop === 'self') {
      void this.answer(request).then((answer) => {
        if (!this.lookups.answer(answer)) whisper(conn, encodeAnswer(answer));
      });
      return;
    }
    this.forwards.remember(request.id, conn, this.clock.now());
    this.forward(request, hop);
  }

  private forward(request: ChordRequest, hop: { to: NodeEntry; final: boolean }): void {
    const conn = this.routingTable.get(hop.to.id)!;
    whisper(conn, encodeRequest({ ...request, hops: request.hops + 1, final: hop.final }));
  }

  /**
   * Executes a request this node is responsible for. A write is answered only once its replicas
   * confirmed their copies (or REPLICA_ACK_MS passed): an acknowledged write then survives this node
   * crashing right after, which it would not while a copy waited for a replica to be dialled.
   */
  private async answer(request: ChordRequest): Promise<ChordAnswer> {
    const base = { id: request.id, hops: request.hops, responder: this.ring.self() };
    if (request.kind === 'find') return { ...base, status: 'ok', value: this.ring.successors.map(encodeEntry) };
    const outcome = execute(request, this.shard, this.clock.now());
    if (outcome.written) await this.copyToReplicas([outcome.written]);
    return { ...base, status: outcome.status, value: outcome.value };
  }

  /** Resolves when every replica has confirmed its copy or given up on; one that did not is left to re-replication. */
  private async copyToReplicas(items: WireRecord[]): Promise<void> {
    const targets = this.ring.replicaSet(this.replicas);
    await Promise.all(targets.map((target) => this.sendConfirmed(target, 'replica', items, REPLICA_ACK_MS)));
  }

  private onAnswer(answer: ChordAnswer): void {
    if (this.lookups.answer(answer)) return;
    const ack = this.acks.get(answer.id);
    if (ack) return ack();
    const upstream = this.forwards.take(answer.id);
    if (upstream) whisper(upstream, encodeAnswer(answer));
  }

  private onRecords(conn: Connection, message: ChordRecords): void {
    let newer = 0;
    for (const record of message.records) if (this.shard.merge(record)) newer++;
    this.debug.print(5, () => `${message.kind}: ${newer} of ${message.records.length} keys from ${conn.id} were newer`);
    // Only a storing node takes keys over; one that is not (it left meanwhile) lets the handoff time out.
    if (message.ackId !== undefined && this.ring.position !== undefined) {
      whisper(conn, encodeAnswer({ id: message.ackId, hops: 0, responder: this.ring.self(), status: 'ok', value: undefined }));
    }
  }

  private sendRecords(conn: Connection, kind: RecordsKind, items: WireRecord[], ackId?: string): void {
    // Batches keep frames small; only the last asks for the ack, which then covers all of them.
    for (let start = 0; start < items.length; start += RECORDS_PER_MESSAGE) {
      const batch = items.slice(start, start + RECORDS_PER_MESSAGE);
      const last = start + RECORDS_PER_MESSAGE >= items.length;
      const records = batch.map(({ key, version, value }) => ({ key, version, value }));
      whisper(conn, encodeRecords({ kind, ackId: last ? ackId : undefined, records }));
    }
  }

  // ---------------------------------------------------------------- plumbing

  protected override registerBuiltins(handlers: Handler[]): void {
    super.registerBuiltins([...handlers, (msg, conn) => this.handleChord(msg, conn)]);
  }

  private handleChord(msg: Message, conn: Connection): boolean {
    const decoded = decodeChord(msg.wire.payload, this.k);
    if (!decoded) return false;
    if (conn.id === undefined) return true; // nothing chord happens before a handshake
    switch (decoded.type) {
      case 'meta':
        this.onMeta(conn, decoded.meta);
        break;
      case 'request':
        this.onRequest(conn, decoded.request);
        break;
      case 'answer':
        this.onAnswer(decoded.answer);
        break;
      case 'records':
        this.onRecords(conn, decoded.records);
        break;
    }
    for (const watcher of [...this.watchers]) watcher();
    return true;
  }

  /** Resolves true as soon as `done()` holds (checked after each chord message), false after `ms`. */
  private waitFor(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (result: boolean): void => {
        this.watchers.delete(watcher);
        this.clock.clearTimeout(timer);
        resolve(result);
      };
      const watcher = (): void => {
        if (done()) finish(true);
      };
      const timer = this.clock.setTimeout(() => finish(done()), ms);
      this.watchers.add(watcher);
    });
  }

  /** The connection to a node, dialling it (beyond maxOutgoing: the ring needs it) when there is none. */
  private connectTo(entry: NodeEntry): Promise<Connection | undefined> {
    const existing = this.routingTable.get(entry.id);
    if (existing) return Promise.resolve(existing);
    const inFlight = this.chordDials.get(entry.id);
    if (inFlight) return inFlight;
    if (entry.id === this.id || this.isClosed || this.ring.isUnreachable(entry.id)) return Promise.resolve(undefined);
    const address = this.transport.addressFromWire(entry.addr, entry.id);
    if (address === undefined) return Promise.resolve(undefined);
    const dialling = this.dial(address, entry.id).then(
      (conn) => conn,
      (error: unknown) => {
        this.debug.print(1, () => `could not reach ring node ${entry.id}: ${String(error)}`);
        this.ring.markUnreachable(entry.id);
        return undefined;
      },
    );
    this.chordDials.set(entry.id, dialling);
    void dialling.finally(() => this.chordDials.delete(entry.id));
    return dialling;
  }

  private reportError(error: unknown): void {
    this.debug.print(0, () => `chord: ${String(error)}`);
    this.emitMesh('error', error instanceof Error ? error : new Web2pError(String(error)));
  }
}

function whisper(conn: Connection, payload: Packet[]): void {
  const [type, ...packets] = payload;
  conn.send(flags.whisper, type!, ...packets);
}
