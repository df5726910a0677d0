/**
 * The chord service: ChordSocket's behaviour as a mesh service (see chord-socket.ts for the design
 * and messages.ts for the wire format). It owns chord's sub-flags, hears of peers coming and going,
 * routes requests hop by hop, answers the ones this node is responsible for, and keeps replicas;
 * membership.ts keeps this node's place on the ring.
 */
import {
  ChordAnswerError,
  ChordReplicationError,
  ChordWriteConflictError,
  ConnectionClosedError,
  QuotaExceededError,
  RecordRefusedError,
  RingPositionError,
  SocketClosedError,
  type ChordAnswerRefusal,
} from '../errors.js';
import type { Connection } from '../mesh/connection.js';
import type { Message } from '../mesh/message.js';
import type { Identity } from '../identity/identity.js';
import { storedIdentity, type StoredIdentity } from '../identity/stored-identity.js';
import type { MeshContext, Service } from '../mesh/service.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import { isWritersOwn, limitOf, type QuotaLimit, type QuotaLimits } from '../replica/quota.js';
import { openReplicaStore, type ReplicaStore } from '../replica/replica-store.js';
import { PassedOnReports } from '../replica/passed-on-reports.js';
import type { PersistOption } from '../store/types.js';
import { describeKey } from '../replica/keys.js';
import { bytesToBase58, toBase58 } from '../wire/base58.js';
import { flags } from '../wire/flags.js';
import { encode } from '../wire/msgpack.js';
import { bytesEqual, type Packet } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import type { ChordSocketOptions } from './chord-socket.js';
import {
  CHORD_MAX_BYTES_PER_WRITER,
  CHORD_MAX_STORED_BYTES,
  CHORD_MAX_STORED_KEYS,
  CHORD_MAX_KEYS_PER_WRITER,
  CHORD_VERSION_WINDOW_MS,
  CHORD_WRITE_ATTEMPTS,
  DEFAULT_K,
  LOOKUP_ATTEMPT_MS,
  DEFAULT_REPLICAS,
  RECORDS_PER_MESSAGE,
  REPLICA_ACK_MS,
  ROUTE_WHILE_DIALLING_MS,
  STABILIZE_MS,
  SUCCESSOR_LIST_SIZE,
  WRITE_REPLICA_REACH,
} from './constants.js';
import {
  decodeChord,
  decodeRecord,
  decodeWriteAck,
  encodeAnswer,
  encodeEntry,
  encodeMeta,
  encodeRecords,
  encodeRequest,
  encodeWriteAck,
  type ChordAnswer,
  type ChordRecords,
  type ChordRequest,
  type Meta,
  type NodeEntry,
  type RecordsKind,
  type ReplicaAck,
  type RequestKind,
  type WireRecord,
} from './messages.js';
import { ChordRoutes } from './mesh-routes.js';
import { Membership } from './membership.js';
import { checkVersion } from './record-check.js';
import { execute } from './operations.js';
import { OwnWrites } from './own-writes.js';
import { signAnswer, signRecord, signReplicaAck, storedSummary, verifyAnswer, verifyRecord, verifyReplicaAck, type ProofContext } from './record-proof.js';
import type { Proof } from '../replica/signatures.js';
import { ForwardTable, Lookups, type Verdict } from './requests.js';
import { PullBudget } from './range-pull.js';
import { inInterval, positionAllowed, ringSize } from './ring.js';
import { RingView } from './ring-view.js';
import { Shard, type Item } from './shard.js';
import { whisper } from './whisper.js';
import type { MaybePromise } from '../identity/ed25519.js';

export class ChordService implements Service {
  readonly name = 'chord';
  readonly subFlags = [flags.handshake, flags.retrieve, flags.store, flags.retrieved, flags.notify];
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
  /**
   * Each writer's storage quota on this node (and this node's own in all), and the bound on all
   * writers here (chord/constants.ts).
   */
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
  /** Refusals that do not blame the neighbour: reported once a minute per neighbour. */
  private readonly passedOn = new PassedOnReports('chord');
  /** Handoffs and replica copies waiting for their receiver to confirm them, by `${ack id} ${receiver id}`. */
  private acks!: PendingRequests<string, ChordAnswer>;
  /** Reads sent straight to a replica (bypassing a bad answer), by request id. */
  private replicaReads!: PendingRequests<string, ChordAnswer>;
  /** How many pulls each neighbour may still have answered (range-pull.ts). */
  private pullBudget!: PullBudget;
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
    const perWriter = { keys: options.maxKeysPerWriter ?? CHORD_MAX_KEYS_PER_WRITER, bytes: options.maxBytesPerWriter ?? CHORD_MAX_BYTES_PER_WRITER };
    this.quota = { ...perWriter, storedKeys: options.maxStoredKeys ?? CHORD_MAX_STORED_KEYS, storedBytes: options.maxStoredBytes ?? CHORD_MAX_STORED_BYTES };
    this.ownWrites = new OwnWrites(perWriter);
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
    this.replicaReads = new PendingRequests(clock);
    this.pullBudget = new PullBudget(clock);
    this.routes = new ChordRoutes(mesh, { deliver: (msg, conn) => this.handle(msg, conn), gone: (id) => this.peerDown(id) });
    this.lookups = new Lookups(
      clock,
      (request) => this.dispatchOwn(request),
      () => this.newId(),
      (request, answer, from) => this.vetAnswer(request, answer, from),
    );
  }

  /** The protocol ids chord's signatures are bound to (record-proof.ts). */
  get proofs(): ProofContext {
    return { wireProtocolId: this.mesh.wireProtocolId, idProtocolId: this.mesh.protocol.id };
  }

  /** Whether records and answers without signatures are taken (trust 'legacy', PROTOCOL.md §14.18). */
  private get acceptsUnsigned(): boolean {
    return this.mesh.trust === 'legacy';
  }

  /** Leaves the ring (keeping a persisted shard for a restart) while the mesh is still up. */
  async stop(): Promise<void> {
    await this.membership.depart(false);
    this.lookups.close(new SocketClosedError());
    this.acks.close();
    this.replicaReads.close();
  }

  async closed(): Promise<void> {
    await this.store?.close();
  }

  /** See ChordSocket.flush. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  // ---------------------------------------------------------------- lookups

  /** Routes `request` to its responsible node and resolves with the answer (vetted: vetAnswer()). */
  private lookup(request: ChordRequest): Promise<ChordAnswer> {
    if (this.mesh.closed) return Promise.reject(new SocketClosedError());
    return this.lookups.start(request);
  }

  /**
   * Reads `key`: the responsible node's answer, with the record when found. When the record it
   * answered fails its checks (vetAnswer(), which reported and dropped the responder), the key's
   * replicas, the nodes after it, are asked in turn (PROTOCOL.md §14.18).
   */
  async read(key: Uint8Array, position: number): Promise<{ answer: ChordAnswer; record: WireRecord | undefined }> {
    const answer = await this.lookup(this.newRequest('get', position, key));
    if (!answer.refused) return { answer, record: answer.status === 'ok' ? decodeRecord(answer.value) : undefined };
    const heard = [...this.heardFrom.values()].flat();
    let absent: ChordAnswer | undefined;
    for (const replica of this.ring.nodesAfter(answer.responder.position, heard, Math.max(1, this.replicas))) {
      const reply = await this.readReplica(replica, key, position);
      if (reply?.status === 'ok') return { answer: reply, record: decodeRecord(reply.value) };
      absent ??= reply;
    }
    if (absent) return { answer: absent, record: undefined };
    throw new ChordAnswerError(answer.responder.id, 'bad-record', `no replica of ${JSON.stringify(describeKey(key))} answered with a valid record`);
  }

  /** One replica's own copy of `key`, checked as a read's answer is; undefined when it fails or does not come. */
  private async readReplica(replica: NodeEntry, key: Uint8Array, position: number): Promise<ChordAnswer | undefined> {
    const request: ChordRequest = { ...this.newRequest('replica-get', position, key), final: true };
    const reply = this.replicaReads.wait(request.id, { timeoutMs: LOOKUP_ATTEMPT_MS, timeoutMessage: `${replica.id} did not answer a replica read` });
    const conn = await this.connectTo(replica);
    if (!conn) this.replicaReads.reject(request.id, new ConnectionClosedError(`${replica.id} cannot be reached`));
    else whisper(conn, encodeRequest(request));
    const answer = await reply.catch(() => undefined);
    if (!answer || answer.responder.id !== replica.id) return undefined;
    const signature = this.signatureProblem(answer, key);
    const problem = signature ? { reason: signature, detail: 'its answer to a replica read is not signed by it' } : this.answerProblem(request, answer);
    if (problem) {
      this.blame(replica.id, problem.reason, problem.detail);
      return undefined;
    }
    return answer;
  }

  /**
   * Writes `value` at `key` (undefined: deletes it) as this node's user: signs the record at a
   * version of our clock and, when the responsible node holds the key at that version or later,
   * again just above the version it holds. `base` makes it conditional (applyDelta): a 'stale'
   * answer is then returned for the caller to read again.
   */
  async write(key: Uint8Array, position: number, value: Packet | undefined, base?: number): Promise<ChordAnswer> {
    let version = Math.max(1, Math.floor(this.mesh.clock.now()));
    for (let attempt = 0; attempt < CHORD_WRITE_ATTEMPTS; attempt++) {
      const record = signRecord(this.mesh.identity, this.proofs, { key, version, writer: this.mesh.id, value });
      const answer = await this.lookup(this.newRequest(value === undefined ? 'delete' : 'set', position, key, record, base));
      if (answer.status === 'ok') await this.confirmReplicas(record, answer);
      if (answer.status !== 'stale' || base !== undefined) return answer;
      if (typeof answer.value !== 'number') break;
      version = Math.max(version, answer.value) + 1;
    }
    throw new ChordWriteConflictError(describeKey(key), CHORD_WRITE_ATTEMPTS);
  }

  /**
   * A write counts as stored only once the replicas we expect, the next min(replicas, storing nodes
   * we know − 1) after the key's node (among those we know and those whose signed confirmations the
   * key's node passed on), signed for their copies (PROTOCOL.md §14.18). To each expected replica
   * that did not, we send the signed record ourselves (it checks our signature, as for any copy),
   * and to the next node after the ones that cannot be reached, up to WRITE_REPLICA_REACH ×
   * replicas nodes. So a key's node
   * that acknowledges a write and drops it loses nothing. Throws ChordReplicationError when too few
   * confirm.
   */
  private async confirmReplicas(record: WireRecord, answer: ChordAnswer): Promise<void> {
    if (answer.responder.id === this.mesh.id || this.replicas === 0) return; // we are the key's node: it copied
    const confirmers: NodeEntry[] = [];
    for (const { replica, proof } of decodeWriteAck(answer.value, this.k).acks) {
      const problem = this.ackProblem(answer.id, replica, record, proof);
      if (problem === 'bad-signature') this.blame(answer.responder.id, 'bad-record', `its acknowledgement carries a confirmation ${replica.id} did not sign`);
      else if (!problem) confirmers.push(replica);
    }
    // The signed confirmers fill in our view of the key's node's successors: a writer far from the
    // key knows few nodes near it, and would otherwise take far nodes for its replicas.
    const heard = [...this.heardFrom.values()].flat().concat(confirmers);
    const candidates = this.ring.replicasAfter(answer.responder.position, heard, WRITE_REPLICA_REACH * this.replicas);
    const needed = Math.min(this.replicas, candidates.length);
    const confirmed = new Set(confirmers.filter((replica) => candidates.some((candidate) => candidate.id === replica.id)).map((replica) => replica.id));
    let next = 0;
    while (confirmed.size < needed && next < candidates.length) {
      const round: NodeEntry[] = [];
      for (; round.length < needed - confirmed.size && next < candidates.length; next++) {
        if (!confirmed.has(candidates[next]!.id)) round.push(candidates[next]!);
      }
      const copied = await Promise.all(round.map((replica) => this.copyOwnWrite(replica, record, answer.id)));
      round.forEach((replica, i) => copied[i] && confirmed.add(replica.id));
    }
    if (confirmed.size < needed) throw new ChordReplicationError(describeKey(record.key), confirmed.size, needed);
  }

  /** Sends our own record straight to `replica` (or keeps it, when that is us): whether it signed for it. */
  private async copyOwnWrite(replica: NodeEntry, record: WireRecord, ackId: string): Promise<boolean> {
    if (replica.id === this.mesh.id) {
      this.shard.merge(record);
      return true;
    }
    const reply = await this.sendConfirmed(replica, 'replica', [record], REPLICA_ACK_MS, ackId);
    return reply !== undefined && this.confirmation(reply, replica, ackId, record);
  }

  /**
   * Whether `reply`, from `replica`, is its signed confirmation of `record` copied under `ackId`;
   * one with a bad signature gets its sender blamed (an unsigned one is not counted, not blamed:
   * an honest replica does not sign for a copy it refused, e.g. past its writer's quota).
   */
  private confirmation(reply: ChordAnswer, replica: NodeEntry, ackId: string, record: WireRecord): boolean {
    if (reply.responder.id !== replica.id) return false;
    const problem = this.ackProblem(ackId, reply.responder, record, reply.proof);
    if (problem === 'bad-signature') this.blame(replica.id, problem, 'its confirmation of a replica copy is not signed by it');
    return problem === undefined;
  }

  /** What is wrong with a replica's confirmation of `record` copied under `ackId`, if anything. */
  private ackProblem(ackId: string, replica: NodeEntry, record: WireRecord, proof: Proof | undefined): ChordAnswerRefusal | undefined {
    if (proof === undefined) return this.acceptsUnsigned ? undefined : 'unsigned';
    return verifyReplicaAck(this.proofs, ackId, replica, record, proof) ? undefined : 'bad-signature';
  }

  /** A request of this node's. */
  newRequest(kind: RequestKind, position: number, key?: Uint8Array, record?: WireRecord, base?: number): ChordRequest {
    return { kind, id: this.newId(), hops: 0, final: false, position, key, record, base };
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
    // A FrameError: the dispatcher drops the peer (PROTOCOL.md §14.18).
    if (meta.storing && !positionAllowed(id, meta.position!, this.k)) throw new RingPositionError(id, meta.position!, this.k);
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
    // A predecessor further back than the last one (ours failed or left): its range's copies are pulled at once.
    this.membership.pullGainedRange();
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
    const target = request.target && this.routes.get(request.target.id);
    if (target) {
      whisper(target, encodeRequest({ ...request, final: true }));
      return request.target!.id;
    }
    const hop = this.ring.hop(request);
    if (hop === undefined) return false;
    if (hop === 'self') {
      void this.answer(request).then((answer) => answer && this.lookups.answer(answer));
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
    if (request.kind === 'pull') return this.answerPull(conn, request);
    // A replica read is answered from what we hold, never routed on (it bypasses the key's node);
    // a node that stores nothing has no copy, and no entry to answer with: the reader asks the next.
    if (request.kind === 'replica-get' && this.ring.position === undefined) return;
    const hop = request.kind === 'replica-get' ? 'self' : this.ring.hop(request);
    if (hop === undefined) {
      this.mesh.debug.print(2, () => `no route for request ${request.id.slice(0, 8)} (position ${request.position}); dropped`);
      return;
    }
    if (hop === 'self') {
      void this.answer(request, conn).then((answer) => {
        if (answer && !this.lookups.answer(answer)) whisper(conn, encodeAnswer(answer));
      });
      return;
    }
    // A forged write stops at the first honest relay (forged() drops the neighbour that sent it).
    if (request.record && this.forged(request.record, conn)) return;
    this.forwards.remember(request.id, conn, request.key, this.mesh.clock.now());
    this.forward(request, hop);
  }

  /**
   * A neighbour whose range grew asks for our copies of the part it gained (range-pull.ts): what we
   * hold there goes to it as handoff records, which it checks as it checks any copy. Never routed
   * on. Only a storing node is answered, for a range ending no later than its own position, and
   * only its share of pulls (PullBudget), so one cannot make us send more than what we hold a few
   * times at once and once a stabilization round after that.
   */
  private answerPull(conn: Connection, request: ChordRequest): void {
    const requester = this.ring.storingPeers.get(conn.id!);
    const from = request.rangeFrom!;
    if (this.ring.position === undefined || !requester || !inInterval(request.position, from, requester.position, this.k)) return;
    if (!this.pullBudget.mayAnswer(conn)) {
      this.mesh.debug.print(2, () => `${conn.id} pulled more often than its budget allows; not answered`);
      return;
    }
    const items = this.shard.range(from, request.position);
    this.mesh.debug.print(5, () => `${conn.id} pulls (${from}, ${request.position}]: ${items.length} keys`);
    if (items.length > 0) this.sendRecords(conn, 'handoff', items);
  }

  private forward(request: ChordRequest, hop: { to: NodeEntry; final: boolean }): void {
    const conn = this.routes.get(hop.to.id)!;
    whisper(conn, encodeRequest({ ...request, hops: request.hops + 1, final: hop.final }));
  }

  /**
   * Executes a request this node is responsible for, and signs the answer. A write's record is
   * checked first (its writer's signature, its version's bounds: refused() says what then), and
   * it is answered only once its replicas confirmed their copies (or REPLICA_ACK_MS passed): an
   * acknowledged write then survives this node crashing right after, which it would not while a
   * copy waited for a replica to be dialled.
   */
  private async answer(request: ChordRequest, from?: Connection): Promise<ChordAnswer | undefined> {
    const base = { id: request.id, hops: request.hops, responder: this.ring.self() };
    if (request.kind === 'find') return { ...base, status: 'ok', value: this.ring.successors.map(encodeEntry), proof: undefined };
    if (request.record && from && this.refused(request.record, from)) return undefined;
    const outcome = execute(request, this.shard);
    // A write's acknowledgement passes on the replicas' signed confirmations (PROTOCOL.md §14.18).
    const value = outcome.written ? encodeWriteAck(outcome.value!, await this.copyToReplicas(outcome.written, request.id)) : outcome.value;
    const answer = signAnswer(this.mesh.identity, this.proofs, { ...base, status: outcome.status, value }, request.key!);
    if (outcome.over && from) this.refuseOverQuota(request, outcome.over, answer, from);
    return answer;
  }

  /**
   * Whether a peer's record must be refused (PROTOCOL.md §14.18): its writer's signature fails, it
   * has none while trust is 'strict', or its version is out of bounds (record-check.ts). A version
   * refusal drops the peer when it is the record's writer; from anyone else (a relay of the request,
   * or a node handing over a copy it took while its clock ran ahead of ours) it is only reported,
   * once a minute per neighbour: that node checked the version against its own clock.
   */
  private refused(record: WireRecord, from: Connection): boolean {
    if (this.forged(record, from)) return true;
    try {
      checkVersion(record, this.shard.versionOf(record.key), this.mesh.clock.now(), CHORD_VERSION_WINDOW_MS, from.id);
      return false;
    } catch (refusal) {
      this.refuseFrom(from, refusal as Error, record.writer === from.id);
      return true;
    }
  }

  /**
   * Reports a refusal of what `from` sent. A peer to blame (it wrote what is refused) is dropped;
   * one that passed someone else's record on stays, and is reported at most once a minute.
   */
  private refuseFrom(from: Connection, error: Error, blamed: boolean): void {
    if (!blamed) {
      this.passedOn.report(this.mesh, error, from);
      return;
    }
    this.reportError(error);
    from.close();
  }

  /**
   * Refuses a record whose writer's signature fails (or is missing, under trust 'strict'): reported,
   * and `from` is dropped whoever wrote the record, since every honest node checks the signature
   * before passing a record on, relays of write requests included (onRequest), so only a forger or
   * a node that passes forgeries on sends one.
   */
  private forged(record: WireRecord, from: Connection): boolean {
    if (record.proof === undefined ? this.acceptsUnsigned : verifyRecord(this.proofs, record)) return false;
    const reason = record.proof === undefined ? 'unsigned' : 'bad-signature';
    const detail = reason === 'unsigned' ? "it carries no writer's signature; unsigned chord records need trust: 'legacy'" : "its signature is not its writer's";
    this.reportError(new RecordRefusedError(from.id, record.writer, reason, detail));
    from.close();
    return true;
  }

  /**
   * A peer's write would take its writer past its quota here: reported, and when the peer is the
   * writer itself it gets the refusal and is dropped at once, so the rest of its flood goes unread
   * (an honest writer checks its quota before sending, own-writes.ts). A relay only passes the
   * refusal back, and so does everyone when this node is full (nobody's fault in particular).
   */
  private refuseOverQuota(request: ChordRequest, over: QuotaLimit, answer: ChordAnswer, from: Connection): void {
    const writer = request.record!.writer;
    const blamed = writer === from.id && isWritersOwn(over);
    if (blamed) whisper(from, encodeAnswer(answer)); // the writer learns why before it is dropped
    this.refuseFrom(from, new QuotaExceededError(writer, over, limitOf(this.quota, over), from.id), blamed);
  }

  /**
   * Copies a write to our replicas under its request id; resolves, once each has confirmed or been
   * given up on, with the signed confirmations (checked: confirmation()) to pass on to the writer.
   * A replica that did not confirm is left to re-replication and to the writer (confirmReplicas).
   */
  private async copyToReplicas(item: WireRecord, requestId: string): Promise<ReplicaAck[]> {
    const targets = this.ring.replicaSet(this.replicas);
    const replies = await Promise.all(targets.map((target) => this.sendConfirmed(target, 'replica', [item], REPLICA_ACK_MS, requestId)));
    return replies.flatMap((reply, i) => (reply && this.confirmation(reply, targets[i]!, requestId, item) ? [{ replica: reply.responder, proof: reply.proof }] : []));
  }

  private onAnswer(conn: Connection, answer: ChordAnswer): void {
    // Confirmations first: a write's copies go out under its request id, which is still a pending
    // lookup of ours when we are both its writer and its key's node.
    if (this.acks.resolve(`${answer.id} ${conn.id}`, answer)) return;
    if (this.lookups.answer(answer, conn)) return;
    if (this.replicaReads.resolve(answer.id, answer)) return;
    const upstream = this.forwards.take(answer.id);
    if (!upstream) return;
    // A relay checks the responder's signature before passing an answer on, so a forged one stops
    // at the first honest node and only its forger is blamed (find answers carry none).
    if (upstream.key !== undefined) {
      const problem = this.signatureProblem(answer, upstream.key);
      if (problem) {
        this.blame(conn.id!, problem, 'the answer it passed on is not signed by the node it names');
        return;
      }
    }
    whisper(upstream.conn, encodeAnswer(answer));
  }

  /** What is wrong with an answer's signature for `key`, if anything (none needed under trust 'legacy'). */
  private signatureProblem(answer: ChordAnswer, key: Uint8Array): ChordAnswerRefusal | undefined {
    if (answer.proof === undefined) return this.acceptsUnsigned ? undefined : 'unsigned';
    return verifyAnswer(this.proofs, answer, key) ? undefined : 'bad-signature';
  }

  /**
   * What our own request's answer is worth (PROTOCOL.md §14.18). It counts only when signed by
   * its responder (else the neighbour it came from forged or passed on a forgery: it is dropped),
   * when the responder is the node responsible for the key as far as we know the ring (else it
   * does not count, and is tried again: an honest node that has not yet heard of a closer one can
   * answer so), and when what it says is right: a read's record is signed by its writer, for our
   * key, within the version bounds; a write's acknowledgement names the version and value we
   * wrote. A responder that signed a wrong answer is dropped; a read then asks the replicas.
   */
  private vetAnswer(request: ChordRequest, answer: ChordAnswer, from: Connection): Verdict {
    if (request.kind === 'find') return 'accept';
    const key = request.key!;
    const signature = this.signatureProblem(answer, key);
    if (signature) {
      this.blame(from.id!, signature, `its answer is not signed by the node it names (${answer.responder.id})`);
      return 'retry';
    }
    if (!this.ring.responsibleFor(answer.responder, request.position)) {
      // Not counted; the next attempt asks the node we take for the key's, directly.
      request.target = this.ring.firstAtOrAfter(request.position);
      this.mesh.debug.print(2, () => `chord: ${answer.responder.id} answered for position ${request.position}, which ${request.target?.id} is closer to; not counted`);
      return 'retry';
    }
    const problem = this.answerProblem(request, answer);
    if (!problem) return 'accept';
    this.blame(answer.responder.id, problem.reason, problem.detail);
    return request.kind === 'get' ? 'bypass' : 'retry';
  }

  /** What is wrong with what a signed answer says, if anything (see vetAnswer). */
  private answerProblem(request: ChordRequest, answer: ChordAnswer): { reason: ChordAnswerRefusal; detail: string } | undefined {
    const bad = (detail: string) => ({ reason: 'bad-record' as const, detail });
    if (answer.status !== 'ok') return undefined;
    if (request.record) {
      let stored: Packet;
      try {
        stored = decodeWriteAck(answer.value, this.k).stored;
      } catch {
        return bad('its acknowledgement is malformed');
      }
      return bytesEqual(encode(stored), encode(storedSummary(request.record))) ? undefined : bad('its acknowledgement is not of the version and value written');
    }
    let record: WireRecord;
    try {
      record = decodeRecord(answer.value);
    } catch {
      return bad('the record it answered is malformed');
    }
    if (!bytesEqual(record.key, request.key!)) return bad('the record it answered is for another key');
    if (record.value === undefined) return bad('it answered a deletion as a value');
    if (record.proof === undefined ? !this.acceptsUnsigned : !verifyRecord(this.proofs, record)) return bad(`the record it answered is not signed by its writer ${record.writer}`);
    if (record.version > this.mesh.clock.now() + CHORD_VERSION_WINDOW_MS) return bad(`the record it answered has version ${record.version}, ahead of our clock`);
    return undefined;
  }

  /**
   * Reports a peer whose chord answer we refused, keeps it off our ring view (RingView.markOffender)
   * and drops it if it is a neighbour.
   */
  private blame(peerId: string, reason: ChordAnswerRefusal, detail: string): void {
    this.reportError(new ChordAnswerError(peerId, reason, detail));
    this.ring.markOffender(peerId);
    this.mesh.routingTable.get(peerId)?.close();
  }

  private onRecords(conn: Connection, message: ChordRecords): void {
    // One refused record refuses the whole message (refused(): its sender dropped when to blame).
    for (const record of message.records) if (this.refused(record, conn)) return;
    const merged: Item[] = [];
    for (const record of message.records) {
      if ((this.shard.versionOf(record.key) ?? -1) >= record.version) continue;
      const over = this.shard.exceeds(record);
      if (over) {
        // Refused; the whole message too, and its sender dropped, when the sender wrote it itself.
        const blamed = record.writer === conn.id && isWritersOwn(over);
        this.refuseFrom(conn, new QuotaExceededError(record.writer, over, limitOf(this.quota, over), conn.id), blamed);
        if (blamed) return;
        continue;
      }
      const item = this.shard.merge(record);
      if (item) merged.push(item);
    }
    this.mesh.debug.print(5, () => `${message.kind}: ${merged.length} of ${message.records.length} keys from ${conn.id} were newer`);
    this.membership.merged(merged);
    // Only a storing node takes keys over; one that is not (it left meanwhile) lets the handoff time out.
    if (message.ackId !== undefined && this.ring.position !== undefined) {
      const self = this.ring.self();
      whisper(conn, encodeAnswer({ id: message.ackId, hops: 0, responder: self, status: 'ok', value: undefined, proof: this.signCopy(message, message.ackId, self) }));
    }
  }

  /**
   * A replica's signature for the one record of a write's copy, when it holds that version or a
   * later one (PROTOCOL.md §14.18); none for handoffs and re-replication batches, nor for a copy
   * refused (its writer's quota), which the writer then does not count.
   */
  private signCopy(message: ChordRecords, ackId: string, self: NodeEntry): Proof | undefined {
    const [record] = message.records;
    if (message.kind !== 'replica' || message.records.length !== 1 || (this.shard.versionOf(record!.key) ?? -1) < record!.version) return undefined;
    return signReplicaAck(this.mesh.identity, this.proofs, ackId, self, record!);
  }

  sendRecords(conn: Connection, kind: RecordsKind, items: WireRecord[], ackId?: string): void {
    // Batches keep frames small; only the last asks for the ack, which then covers all of them.
    for (let start = 0; start < items.length; start += RECORDS_PER_MESSAGE) {
      const batch = items.slice(start, start + RECORDS_PER_MESSAGE);
      const last = start + RECORDS_PER_MESSAGE >= items.length;
      const records = batch.map(({ key, version, value, writer, proof }) => ({ key, version, value, writer, proof }));
      whisper(conn, encodeRecords({ kind, ackId: last ? ackId : undefined, records }));
    }
  }

  /**
   * Sends `items` to `to` under `ackId` and resolves with its confirmation once it stored them
   * (signed for a write's copy: signCopy); undefined when it cannot be reached or has not confirmed
   * within `ms` of the call, dialling included.
   */
  sendConfirmed(to: NodeEntry, kind: RecordsKind, items: WireRecord[], ms: number, ackId = this.newId()): Promise<ChordAnswer | undefined> {
    // Keyed by receiver too: one write's copies to several replicas share its request id, and only
    // the receiver itself can settle its own.
    const pending = `${ackId} ${to.id}`;
    const stored = this.acks.wait(pending, { timeoutMs: ms, timeoutMessage: `${to.id} did not confirm a ${kind} within ${ms} ms` });
    void this.connectTo(to).then((conn) => {
      if (!this.acks.has(pending)) return; // gave up while dialling
      if (conn) this.sendRecords(conn, kind, items, ackId);
      else this.acks.reject(pending, new ConnectionClosedError(`${to.id} cannot be reached`));
    });
    return stored.catch(() => undefined);
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
        this.onAnswer(conn, decoded.answer);
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
   * none. A dial that has not linked within ROUTE_WHILE_DIALLING_MS gives way to the mesh route, if
   * the mesh knows one (mesh-routes.ts): a dial that cannot succeed (two browsers behind symmetric
   * NATs, no TURN) takes up to the connect timeout to fail, and a read or write must not wait that
   * long; if the dial links later, `routes.get` prefers the link. When the dial fails, the route the
   * mesh knows by then; undefined when there is none, which marks the node unreachable for a while.
   */
  connectTo(entry: NodeEntry): Promise<Connection | undefined> {
    const { mesh } = this;
    const existing = this.routes.get(entry.id);
    if (existing) return Promise.resolve(existing);
    if (entry.id === mesh.id || mesh.closed || this.ring.isUnreachable(entry.id)) return Promise.resolve(undefined);
    const dialled = mesh.dial(entry.addr, entry.id).catch((error: unknown) => {
      const routed = this.routes.viaMesh(entry);
      mesh.debug.print(1, () => `could not link to ring node ${entry.id}: ${String(error)}${routed ? '; using the mesh route' : ''}`);
      if (!routed) this.ring.markUnreachable(entry.id);
      return routed;
    });
    return new Promise((resolve) => {
      const timer = mesh.clock.setTimeout(() => {
        const routed = this.routes.viaMesh(entry);
        if (!routed) return;
        mesh.debug.print(1, () => `ring node ${entry.id} not linked within ${ROUTE_WHILE_DIALLING_MS} ms; using the mesh route while the dial goes on`);
        resolve(routed);
      }, ROUTE_WHILE_DIALLING_MS);
      void dialled.then((conn) => {
        mesh.clock.clearTimeout(timer);
        resolve(conn);
      });
    });
  }

  reportError(error: unknown): void {
    this.mesh.reportError(error, 'chord');
  }
}
