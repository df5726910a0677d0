/**
 * The chord service: ChordSocket's behaviour as a mesh service (see chord-socket.ts for the design
 * and messages.ts for the wire format). It owns chord's sub-flags, hears of peers coming and going,
 * routes requests hop by hop, answers the ones this node is responsible for, and keeps replicas;
 * membership.ts keeps this node's place on the ring.
 */
import { ConnectionClosedError, QuotaExceededError, SocketClosedError } from '../errors.js';
import type { Connection } from '../mesh/connection.js';
import type { Message } from '../mesh/message.js';
import type { Identity } from '../identity/identity.js';
import { storedIdentity, type StoredIdentity } from '../identity/stored-identity.js';
import type { MeshContext, Service } from '../mesh/service.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import type { QuotaLimits } from '../replica/quota.js';
import { openReplicaStore, type ReplicaStore } from '../replica/replica-store.js';
import type { PersistOption } from '../store/types.js';
import { bytesToBase58, toBase58 } from '../wire/base58.js';
import { flags } from '../wire/flags.js';
import type { Packet } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import type { ChordSocketOptions } from './chord-socket.js';
import {
  CHORD_MAX_BYTES_PER_WRITER,
  CHORD_MAX_KEYS_PER_WRITER,
  CHORD_VERSION_WINDOW_MS,
  DEFAULT_K,
  DEFAULT_REPLICAS,
  RECORDS_PER_MESSAGE,
  REPLICA_ACK_MS,
  STABILIZE_MS,
  SUCCESSOR_LIST_SIZE,
} from './constants.js';
import {
  decodeChord,
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
import { ChordRoutes } from './mesh-routes.js';
import { Membership } from './membership.js';
import { checkVersion } from './record-check.js';
import { execute } from './operations.js';
import { OwnWrites } from './own-writes.js';
import { ForwardTable, Lookups } from './requests.js';
import { ringSize } from './ring.js';
import { RingView } from './ring-view.js';
import { Shard } from './shard.js';
import { whisper } from './whisper.js';
import type { MaybePromise } from '../identity/ed25519.js';

export class ChordService implements Service {
  readonly name = 'chord';
  readonly subFlags = [flags.handshake, flags.retrieve, flags.store, flags.delta, flags.retrieved, flags.notify];
  /** The seed's check, `protocol.id + base58(k)`: a peer with another k is a protocol mismatch. */
  readonly protocolIdSuffix: string;
  /**
   * No NEIGHBOUR_UPDATES_MARKER in our handshake: a chord node keeps a connection to every finger
   * and successor (k + a few), and pushing the whole peer list to every neighbour on every table
   * change costs O(degree²) frames per change, which dominated a 128-node ring; those lists only
   * prune broadcast relays, and chord does not broadcast. Peers then push none to us and we push
   * none to them.
   *
   * Peer requests coalesced to one round per stabilization period: the mesh asks every neighbour
   * for its peer list after each unexpected loss, and a chord node has k + ~10 neighbours and loses
   * several at the same moment when nodes crash together (that storm was most of the cost of
   * repairing a ring after a crash).
   */
  readonly tuning = { neighbourUpdates: false, peerRequestIntervalMs: STABILIZE_MS, memberHeartbeats: false };
  readonly k: number;
  readonly replicas: number;
  /** Each writer's storage quota on this node, and this node's own in all (chord/constants.ts). */
  readonly quota: QuotaLimits;
  /** What this node's user wrote, for its side of the quota. */
  readonly ownWrites: OwnWrites;
  readonly membership = new Membership(this);
  mesh!: MeshContext;
  shard!: Shard;
  ring!: RingView;
  lookups!: Lookups;
  /** Ring nodes we cannot link to, reached over the mesh route instead. */
  private routes!: ChordRoutes;
  /** Neighbours whose meta arrived, and the storing nodes they told us about. */
  readonly heardFrom = new Map<string, readonly NodeEntry[]>();
  /** Neighbours whose meta arrived since join() last asked for fresh ones. */
  readonly freshMeta = new Set<string>();
  private readonly persist: PersistOption | undefined;
  /** Where the shard is kept, with `persist` (replica/replica-store.ts). */
  private store: ReplicaStore | undefined;
  private readonly forwards = new ForwardTable();
  /** Handoffs and replica copies waiting for their receiver to confirm them. */
  private acks!: PendingRequests<string, void>;
  /** Re-checked after every chord message: join's waits. */
  private readonly watchers = new Set<() => void>();

  /** Checks k and replicas before the mesh starts, so a bad option leaves nothing running. */
  constructor(options: ChordSocketOptions) {
    this.k = options.k ?? DEFAULT_K;
    ringSize(this.k); // throws RangeError outside [MIN_K, MAX_K]
    this.replicas = options.replicas ?? DEFAULT_REPLICAS;
    if (!Number.isInteger(this.replicas) || this.replicas < 0) throw new RangeError(`replicas must be an integer ≥ 0, not ${this.replicas}`);
    this.protocolIdSuffix = toBase58(this.k);
    this.persist = options.persist;
    this.quota = { keys: options.maxKeysPerWriter ?? CHORD_MAX_KEYS_PER_WRITER, bytes: options.maxBytesPerWriter ?? CHORD_MAX_BYTES_PER_WRITER };
    this.ownWrites = new OwnWrites(this.quota);
  }

  /**
   * With `persist`, the node's identity lives in the same store as its shard and position, so a
   * restarted node is the same node (its id, and so its place on the ring, unchanged).
   */
  storedIdentity(protocol: Protocol, create: () => MaybePromise<Identity>): Promise<StoredIdentity> | undefined {
    const store = this.openStore(protocol.id + this.protocolIdSuffix);
    return store && storedIdentity(store, create);
  }

  /** The store, opened once: storedIdentity() comes before start(). */
  private openStore(wireProtocolId: string): ReplicaStore | undefined {
    this.store ??= openReplicaStore(this.persist, `chord:${wireProtocolId}`, (error) => this.reportError(error));
    return this.store;
  }

  start(mesh: MeshContext): void {
    this.mesh = mesh;
    const { clock } = mesh;
    this.ring = new RingView(mesh.id, () => mesh.wireAddress(), this.k, Math.max(SUCCESSOR_LIST_SIZE, this.replicas), () => clock.now());
    this.openStore(mesh.wireProtocolId);
    this.shard = new Shard(this.k, this.store, this.quota);
    this.acks = new PendingRequests(clock);
    this.routes = new ChordRoutes(mesh, { deliver: (msg, conn) => this.handle(msg, conn), gone: (id) => this.peerDown(id) });
    this.lookups = new Lookups(
      clock,
      (request) => this.dispatchOwn(request),
      () => this.newId(),
    );
  }

  /** Leaves the ring (keeping a persisted shard for a restart) while the mesh is still up. */
  async stop(): Promise<void> {
    await this.membership.depart(false);
    this.lookups.close(new SocketClosedError());
    this.acks.close();
  }

  async closed(): Promise<void> {
    await this.store?.close();
  }

  /** See ChordSocket.flush. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  // ---------------------------------------------------------------- lookups

  /** Routes a request for `key` to its responsible node and resolves with the answer. */
  async lookup(kind: RequestKind, key: Uint8Array, position: number, value?: Packet): Promise<ChordAnswer> {
    if (this.mesh.closed) throw new SocketClosedError();
    return this.lookups.start(this.newRequest(kind, position, key, value));
  }

  /** A request of this node's; a write names this node as its writer. */
  newRequest(kind: RequestKind, position: number, key?: Uint8Array, value?: Packet): ChordRequest {
    const writer = kind === 'find' || kind === 'get' ? undefined : this.mesh.id;
    return { kind, id: this.newId(), hops: 0, final: false, position, key, value, writer };
  }

  /** Request and ack ids: 128 random bits from the injected source. */
  private newId(): string {
    return bytesToBase58(this.mesh.random.bytes(16));
  }

  // ---------------------------------------------------------------- meta

  meta(ask: boolean): Meta {
    const { position, pred, successors, storingPeers } = this.ring;
    if (position === undefined) {
      return { storing: false, position: undefined, pred: undefined, list: [...storingPeers.values()].slice(0, SUCCESSOR_LIST_SIZE), ask };
    }
    return { storing: true, position, pred, list: successors, ask, predRangeFrom: this.ring.predRangeFrom };
  }

  announce(): void {
    const payload = encodeMeta(this.meta(false));
    for (const conn of this.mesh.routingTable.values()) whisper(conn, payload);
  }

  peerUp(conn: Connection): void {
    whisper(conn, encodeMeta(this.meta(false)));
  }

  peerDown(peerId: string): void {
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
    this.mesh.debug.print(5, () => `migrating ${moving.length} keys to our new predecessor ${conn.id}`);
    this.sendRecords(conn, 'handoff', moving);
  }

  private fromSuccessor(successor: NodeEntry, meta: Meta): void {
    this.membership.joinVerdict?.(meta);
    const news = this.ring.fromSuccessor(successor, meta);
    if (news === 'closer') this.membership.askSuccessor();
    else if (news === 'conflict' && this.ring.member) this.membership.reposition();
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
      this.mesh.debug.print(2, () => `no route for request ${request.id.slice(0, 8)} (position ${request.position}); dropped`);
      return;
    }
    if (hop === 'self') {
      void this.answer(request, conn).then((answer) => {
        if (!this.lookups.answer(answer)) whisper(conn, encodeAnswer(answer));
      });
      return;
    }
    this.forwards.remember(request.id, conn, this.mesh.clock.now());
    this.forward(request, hop);
  }

  private forward(request: ChordRequest, hop: { to: NodeEntry; final: boolean }): void {
    const conn = this.routes.get(hop.to.id)!;
    whisper(conn, encodeRequest({ ...request, hops: request.hops + 1, final: hop.final }));
  }

  /**
   * Executes a request this node is responsible for. A write is answered only once its replicas
   * confirmed their copies (or REPLICA_ACK_MS passed): an acknowledged write then survives this node
   * crashing right after, which it would not while a copy waited for a replica to be dialled.
   */
  private async answer(request: ChordRequest, from?: Connection): Promise<ChordAnswer> {
    const base = { id: request.id, hops: request.hops, responder: this.ring.self() };
    if (request.kind === 'find') return { ...base, status: 'ok', value: this.ring.successors.map(encodeEntry) };
    const outcome = execute(request, this.shard, this.mesh.clock.now());
    const answer: ChordAnswer = { ...base, status: outcome.status, value: outcome.value };
    if (outcome.over && from) this.refuseOverQuota(request, outcome.over, answer, from);
    if (outcome.written) await this.copyToReplicas([outcome.written]);
    return answer;
  }

  /**
   * A peer's write would take its writer past its quota here: reported, and when the peer is the
   * writer itself it gets the refusal and is dropped at once, so the rest of its flood goes unread
   * (an honest writer checks its quota before sending, own-writes.ts). A relay only passes the
   * refusal back.
   */
  private refuseOverQuota(request: ChordRequest, over: 'keys' | 'bytes', answer: ChordAnswer, from: Connection): void {
    this.reportError(new QuotaExceededError(request.writer!, over, this.quota[over], from.id));
    if (request.writer !== from.id) return;
    whisper(from, encodeAnswer(answer));
    from.close();
  }

  /** Resolves when every replica has confirmed its copy or given up on; one that did not is left to re-replication. */
  private async copyToReplicas(items: WireRecord[]): Promise<void> {
    const targets = this.ring.replicaSet(this.replicas);
    await Promise.all(targets.map((target) => this.sendConfirmed(target, 'replica', items, REPLICA_ACK_MS)));
  }

  private onAnswer(answer: ChordAnswer): void {
    if (this.lookups.answer(answer)) return;
    if (this.acks.resolve(answer.id, undefined)) return;
    const upstream = this.forwards.take(answer.id);
    if (upstream) whisper(upstream, encodeAnswer(answer));
  }

  private onRecords(conn: Connection, message: ChordRecords): void {
    const now = this.mesh.clock.now();
    try {
      for (const record of message.records) checkVersion(record, this.shard.versionOf(record.key), now, CHORD_VERSION_WINDOW_MS, conn.id);
    } catch (error) {
      this.reportError(error); // the whole message is refused, and its sender dropped
      conn.close();
      return;
    }
    let newer = 0;
    let refused = 0;
    for (const record of message.records) {
      if ((this.shard.versionOf(record.key) ?? -1) >= record.version) continue;
      const over = this.shard.exceeds(record);
      if (over) {
        // Refused, and reported once per message; the whole message too, and its sender dropped,
        // when the sender wrote it itself.
        if (refused++ === 0 || record.writer === conn.id) this.reportError(new QuotaExceededError(record.writer, over, this.quota[over], conn.id));
        if (record.writer !== conn.id) continue;
        conn.close();
        return;
      }
      if (this.shard.merge(record)) newer++;
    }
    this.mesh.debug.print(5, () => `${message.kind}: ${newer} of ${message.records.length} keys from ${conn.id} were newer`);
    // Only a storing node takes keys over; one that is not (it left meanwhile) lets the handoff time out.
    if (message.ackId !== undefined && this.ring.position !== undefined) {
      whisper(conn, encodeAnswer({ id: message.ackId, hops: 0, responder: this.ring.self(), status: 'ok', value: undefined }));
    }
  }

  sendRecords(conn: Connection, kind: RecordsKind, items: WireRecord[], ackId?: string): void {
    // Batches keep frames small; only the last asks for the ack, which then covers all of them.
    for (let start = 0; start < items.length; start += RECORDS_PER_MESSAGE) {
      const batch = items.slice(start, start + RECORDS_PER_MESSAGE);
      const last = start + RECORDS_PER_MESSAGE >= items.length;
      const records = batch.map(({ key, version, value, writer }) => ({ key, version, value, writer }));
      whisper(conn, encodeRecords({ kind, ackId: last ? ackId : undefined, records }));
    }
  }

  /**
   * Sends `items` to `to` and resolves true once it confirms it stored them; false when it cannot
   * be reached or has not confirmed within `ms` of the call, dialling included.
   */
  sendConfirmed(to: NodeEntry, kind: RecordsKind, items: WireRecord[], ms: number): Promise<boolean> {
    const ackId = this.newId();
    const stored = this.acks.wait(ackId, { timeoutMs: ms, timeoutMessage: `${to.id} did not confirm a ${kind} within ${ms} ms` });
    void this.connectTo(to).then((conn) => {
      if (!this.acks.has(ackId)) return; // gave up while dialling
      if (conn) this.sendRecords(conn, kind, items, ackId);
      else this.acks.reject(ackId, new ConnectionClosedError(`${to.id} cannot be reached`));
    });
    return stored.then(
      () => true,
      () => false,
    );
  }

  // ---------------------------------------------------------------- plumbing

  handle(msg: Message, conn: Connection): void {
    const decoded = decodeChord(msg.wire.payload, this.k);
    // Nothing chord happens before a handshake, nor after we dropped the peer (the rest of what it sent is unread).
    if (!decoded || conn.id === undefined || conn.closed) return;
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
  }

  /** Resolves true as soon as `done()` holds (checked after each chord message), false after `ms`. */
  waitFor(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (result: boolean): void => {
        this.watchers.delete(watcher);
        this.mesh.clock.clearTimeout(timer);
        resolve(result);
      };
      const watcher = (): void => {
        if (done()) finish(true);
      };
      const timer = this.mesh.clock.setTimeout(() => finish(done()), ms);
      this.watchers.add(watcher);
    });
  }

  /**
   * The connection to a node, dialling it (beyond maxOutgoing: the ring needs it) when there is
   * none; when the dial fails, the mesh route to it if the mesh knows one (mesh-routes.ts);
   * undefined when it cannot be reached at all, which marks it unreachable for a while.
   */
  connectTo(entry: NodeEntry): Promise<Connection | undefined> {
    const { mesh } = this;
    const existing = this.routes.get(entry.id);
    if (existing) return Promise.resolve(existing);
    if (entry.id === mesh.id || mesh.closed || this.ring.isUnreachable(entry.id)) return Promise.resolve(undefined);
    return mesh.dial(entry.addr, entry.id).catch((error: unknown) => {
      const routed = this.routes.viaMesh(entry);
      mesh.debug.print(1, () => `could not link to ring node ${entry.id}: ${String(error)}${routed ? '; using the mesh route' : ''}`);
      if (!routed) this.ring.markUnreachable(entry.id);
      return routed;
    });
  }

  reportError(error: unknown): void {
    this.mesh.reportError(error, 'chord');
  }
}
