/**
 * Every connection's life, from link to hang-up, in one owner: it adopts links, sends our handshake,
 * reads frames, takes in the peer's handshake (protocol check, conflicts between two connections to
 * one peer), keeps the routing table, drops what stalls or misbehaves, and forgets what closed. It is
 * the only writer of connection records; the rest of the mesh reads them.
 */
import {
  FrameError,
  HandshakeRefusedError,
  IdentityProofError,
  PeerLimitError,
  ProtocolMismatchError,
  SocketClosedError,
  TimeoutError,
  UnsignedPeerError,
  Web2pError,
} from '../errors.js';
import type { Identity } from '../identity/keys.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import type { Link, Transport } from '../transport/types.js';
import { intersectCompression } from '../wire/compression.js';
import { loadCompression } from '../wire/compression-loader.js';
import { HEADER_BYTES, ID_BYTES } from '../wire/constants.js';
import { NATIVE_DIGEST_MIN_BYTES, type AsyncMessageHash } from '../wire/message-hash.js';
import { flags } from '../wire/flags.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import { nodeIdValue } from '../wire/node-id.js';
import { toHex, type Packet } from '../wire/packet.js';
import type { Connection } from './connection.js';
import { ConnectionLimits, type Throttling } from './connection-limits.js';
import { ConnectionRecord, type ConnectionOwner } from './connection-record.js';
import { FairReading } from './fair-reading.js';
import {
  CONFLICT_GRACE_MS,
  HANDSHAKE_TIMEOUT_MS,
  IDENTITY_PROOF_MARKER,
  MAX_HELD_FRAME_BYTES,
  NEIGHBOUR_UPDATES_MARKER,
  SHORT_LIVED_LINK_MS,
  STALLED_FRAME_MS,
} from './constants.js';
import type { DebugLog } from './debug.js';
import { Dials } from './dials.js';
import type { Handshake } from './handshake.js';
import { decodeProofMessage, isProofMessage, LinkProofs, type ProofOutcome } from './identity-proof.js';
import { clockSkewReport } from './clock-skew.js';
import { decodeHandshake, decodeRenegotiate, encodeCompressionOffer } from './messages.js';
import type { NodeLimits } from './node-limits.js';
import type { PeerBook } from './peer-book.js';
import { STR_DIALECT, dialectOf, speaksTls, type PeerDialect } from './peer-dialect.js';
import { ReadGate } from './read-gate.js';
import { RetiringConnections } from './retiring-connections.js';
import type { SendQueue } from './send-queue.js';
import { SendQueueTotal } from './send-queue-total.js';
import { IdVerifier } from './id-verifier.js';

/** Whom a socket lets in (MeshSocketOptions.trust). */
import type { TrustMode } from './mesh-options.js';

export interface ConnectionManagerHost {
  readonly id: string;
  /** The key pair `id` was derived from: we prove it to every web2p peer. */
  readonly identity: Identity;
  /** The protocol id node ids are derived with (without service suffixes). */
  readonly idProtocolId: string;
  readonly random: Random;
  /** 'strict' refuses peers that cannot prove their id; 'legacy' lets py2p/js2p peers in unproven. */
  readonly trust: TrustMode;
  readonly clock: Clock;
  readonly debug: DebugLog;
  readonly transport: Transport;
  readonly listening: Promise<void>;
  readonly maxFrameBytes: number;
  /** What one peer may cost us (node-limits.ts). */
  readonly limits: NodeLimits;
  readonly compression: readonly number[];
  /** The protocol id peers must send. */
  readonly wireProtocolId: string;
  /** The protocol's encryption name, for the error a TLS peer on a plain link gets. */
  readonly encryption: string;
  /** Peers met in handshakes are remembered here, for refilling connections later. */
  readonly book: PeerBook;
  nowSeconds(): number;
  /** Our handshake's payload, the protocol id typed as `dialect` expects it. */
  handshakePayload(dialect: Pick<PeerDialect, 'binProtocolId'>): Packet[];
  /** Every frame sent (the router marks broadcasts seen; debug output). */
  traceSend(record: ConnectionRecord, message: WireMessage): void;
  /** A message from a peer, other than its handshake and renegotiations. */
  onMessage(record: ConnectionRecord, wire: WireMessage): void;
  /** A peer entered the routing table. */
  peerUp(record: ConnectionRecord, wasEmpty: boolean): void;
  /** A peer left it; `unexpected` when we did not hang up. */
  peerDown(peerId: string, unexpected: boolean): void;
  /** Something went wrong that no call waits for. */
  error(error: Error): void;
  /** A link's queue drained (its bytes left for the peer): backpressure, send-backlog.ts. */
  linkDrained(): void;
  /** The async native SHA-256 to check large broadcasts' ids with (mesh/id-verifier.ts), if any. */
  readonly digest: AsyncMessageHash | undefined;
}

export class ConnectionManager {
  readonly dials: Dials;
  private readonly owner: ConnectionOwner;
  /** Handshake received, by peer id. */
  private readonly table = new Map<string, ConnectionRecord>();
  /** The same, as handed out (routingTable). */
  private readonly views = new Map<string, Connection>();
  /** Connections whose handshake has not arrived yet. */
  private readonly awaiting = new Set<ConnectionRecord>();
  /** Each connection's wait for the peer's handshake. */
  private readonly handshakes: PendingRequests<ConnectionRecord, void>;
  private readonly records = new WeakMap<Connection, ConnectionRecord>();
  private readonly linkRecords = new WeakMap<Link, ConnectionRecord>();
  /** Losers of a double-dial conflict, still read for a grace period. */
  private readonly retiring: RetiringConnections;
  /** Each link's identity proof under way. */
  private readonly proofs: LinkProofs;
  /** Caps on connections and each connection's budget (connection-limits.ts). */
  private readonly limits: ConnectionLimits;
  /** Pauses links for their budget or their turn, and round-robin reading (fair-reading.ts). */
  private readonly gate: ReadGate;
  private readonly reading: FairReading;
  /** Large broadcasts' ids checked natively, each link's messages kept in order; undefined where ids are hashed in JS. */
  private readonly verifier: IdVerifier<ConnectionRecord> | undefined;
  /** What all connections' send queues hold together, for limits.maxTotalSendQueueBytes. */
  private readonly sendQueueTotal: SendQueueTotal;
  private closed = false;

  constructor(private readonly host: ConnectionManagerHost) {
    this.sendQueueTotal = new SendQueueTotal(host.limits.maxTotalSendQueueBytes);
    this.owner = {
      get id() {
        return host.id;
      },
      compression: host.compression,
      clock: host.clock,
      nowSeconds: () => host.nowSeconds(),
      traceSend: (record, message) => host.traceSend(record, message),
      limits: host.limits,
      overflowed: (record) => {
        const { pacedBytes } = record.queue;
        const why = pacedBytes > 0 ? `, ${pacedBytes} of them waiting for the pace its budget admits (our app sent past the backpressure)` : '';
        const error = new PeerLimitError('send-queue', String(record), `over ${host.limits.maxSendQueueBytes} bytes we sent are queued for it${why}`);
        host.debug.print(0, () => error.message);
        host.error(error);
        this.drop(record, error);
      },
      sendQueueTotal: this.sendQueueTotal,
      overTotal: () => this.dropSlowestReaders(),
      paced: () => host.linkDrained(),
    };
    // A paused link was silent because of us: its stall clock restarts when it reads again, and
    // the time paused does not count against the frame it is in the middle of.
    this.gate = new ReadGate(host.clock, (link, pausedMs) => {
      const record = this.linkRecords.get(link);
      if (!record) return;
      record.lastDataAt = host.clock.now();
      this.limits.resumed(record, pausedMs);
    });
    this.reading = new FairReading({
      clock: host.clock,
      limits: host.limits,
      gate: this.gate,
      handle: (record, frame) => this.onFrame(record, frame),
      failed: (record, error) => this.badInput(record, error),
      turnTook: (record, ms, lagMs) => this.limits.turnTook(record, ms, lagMs),
    });
    this.limits = new ConnectionLimits({
      clock: host.clock,
      debug: host.debug,
      limits: host.limits,
      gate: this.gate,
      drop: (record, error) => this.drop(record, error),
      report: (error) => host.error(error),
    });
    this.verifier =
      host.digest &&
      new IdVerifier<ConnectionRecord>(host.digest, {
        take: (record, wire) => {
          try {
            this.take(record, wire);
          } catch (error) {
            this.badInput(record, error);
          }
        },
        refuse: (record, error) => this.badInput(record, error),
        closed: (record) => record.closed,
      });
    this.handshakes = new PendingRequests(host.clock);
    this.retiring = new RetiringConnections(host.clock, CONFLICT_GRACE_MS);
    const manager = this;
    this.proofs = new LinkProofs({
      get identity() {
        return host.identity;
      },
      get id() {
        return host.id;
      },
      protocolId: host.idProtocolId,
      random: host.random,
      send: (link, payload) => {
        const record = manager.linkRecords.get(link);
        if (!record) return undefined;
        const message = createMessage(flags.whisper, host.id, host.nowSeconds(), payload);
        record.sendMessage(message, { uncompressed: true });
        return message;
      },
    });
    this.dials = new Dials({
      clock: host.clock,
      transport: host.transport,
      get listening() {
        return host.listening; // read when a dial starts: the socket starts listening after this is built
      },
      get closed() {
        return manager.closed;
      },
      connected: (peerId) => this.table.get(peerId),
      debug: host.debug,
      adopt: (link, expectedId, created, dialect) => this.adopt(link, expectedId, created, dialect),
    });
  }

  get routingTable(): ReadonlyMap<string, Connection> {
    return this.views;
  }

  /** Open connections, for the router and peer exchange. */
  get open(): Iterable<ConnectionRecord> {
    return this.table.values();
  }

  /** Every send queue bytes may wait in: open connections' and those awaiting a handshake. */
  *queues(): Iterable<SendQueue> {
    for (const record of this.table.values()) yield record.queue;
    for (const record of this.awaiting) yield record.queue;
  }

  /** Bytes all send queues hold together, a frame shared by several counted once (send-queue-total.ts). */
  get sendQueueTotalBytes(): number {
    return this.sendQueueTotal.bytes;
  }

  /** Bytes the send queues ever took (only grows: send-backlog.ts). */
  get acceptedSendBytes(): number {
    return this.sendQueueTotal.acceptedBytes;
  }

  /** How often `record` ran into its rate (connection-limits.ts), for stats. */
  throttling(record: ConnectionRecord): Throttling {
    return this.limits.throttling(record);
  }

  get awaitingViews(): Connection[] {
    return [...this.awaiting].map((record) => record.view);
  }

  /** Dials to fill slots under way plus open connections we dialled. */
  get outgoingCount(): number {
    let count = this.dials.fillingSlots;
    for (const record of this.table.values()) if (record.outgoing) count++;
    return count;
  }

  record(peerId: string): ConnectionRecord | undefined {
    return this.table.get(peerId);
  }

  /** The record behind a view handed out earlier. */
  recordOf(view: Connection): ConnectionRecord | undefined {
    return this.records.get(view);
  }

  /** The peer's latest peer list, kept when it keeps us told of changes (router prunes relays with it). */
  setNeighbours(record: ConnectionRecord, ids: readonly string[]): void {
    if (record.announcesNeighbours) record.neighbours = new Set(ids);
  }

  // ---------------------------------------------------------------- links in

  /**
   * Takes a fresh link in: frames in, and our handshake out, at once when we dialled (typed as
   * `dialect`, str by default) and otherwise in answer to the dialler's, in its types. `created`
   * sees the record before any frame is read.
   */
  adopt(
    link: Link,
    expectedId?: string,
    created?: (record: ConnectionRecord) => void,
    dialect: Pick<PeerDialect, 'binProtocolId'> = { binProtocolId: false },
  ): ConnectionRecord {
    const record = new ConnectionRecord(link, this.owner, expectedId, { maxFrameBytes: this.host.maxFrameBytes, now: this.host.clock.now() });
    this.records.set(record.view, record);
    this.linkRecords.set(link, record);
    created?.(record);
    if (this.closed || (!link.outgoing && !this.limits.admitLink(link, this.awaiting.size))) {
      record.close();
      return record;
    }
    this.awaiting.add(record);
    this.limits.adopted(record);
    this.handshakes
      .wait(record, {
        timeoutMs: HANDSHAKE_TIMEOUT_MS,
        timeoutMessage: `no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`,
        onFail: (error) => {
          if (error instanceof TimeoutError) this.host.debug.print(1, () => `no handshake from ${link.remoteAddress ?? 'a peer'} in ${HANDSHAKE_TIMEOUT_MS} ms`);
          this.drop(record, error);
        },
      })
      .catch(() => {}); // the failure is handled in onFail
    this.host.debug.print(1, () => `${link.outgoing ? 'connected to' : 'accepted'} ${link.remoteAddress ?? 'a peer'}`);
    // A dialler's handshake goes out before we read anything: attaching hands over bytes the peer
    // already sent, and if its handshake makes us hang up, it must still learn why from ours.
    record.dialect = { ...STR_DIALECT, binProtocolId: dialect.binProtocolId };
    if (link.outgoing || link.peerIsWeb2p) this.sendHandshake(record, dialect);
    record.spokeBeforeHeard = !link.outgoing && link.peerIsWeb2p === true;
    if (link.outgoing) this.proofs.sendHello(link); // we cannot know yet whether the peer is web2p; py2p ignores it
    if (link.peerIsWeb2p) this.proofs.sendBoundProof(link); // over WebRTC: our proof goes with our handshake
    link.attach({
      data: (bytes) => this.onData(record, bytes),
      close: (error) => this.onLinkClosed(record, error),
      drain: () => {
        record.queue.drained();
        this.host.linkDrained();
      },
    });
    return record;
  }

  /** Our handshake, typed as the peer expects it; handshakes always travel uncompressed (§1.3). */
  private sendHandshake(record: ConnectionRecord, dialect: Pick<PeerDialect, 'binProtocolId'>): void {
    record.ourHandshake = createMessage(flags.whisper, this.host.id, this.host.nowSeconds(), this.host.handshakePayload(dialect));
    record.sendMessage(record.ourHandshake, { uncompressed: true });
  }

  private onData(record: ConnectionRecord, bytes: Uint8Array): void {
    if (record.closed) return;
    if (record.spokeBeforeHeard) {
      // Firefox, offering, now and then loses what its channel gets before its 'open' event: our
      // handshake, sent the moment our answering side opened, and at times our bound proof behind
      // it (1 rejoin in 20-60 of bench:engines' Chromium ← Firefox). Its first bytes here say its
      // side is open: both go again. A dialler that read the proof before the handshake holds it
      // for the handshake (heldForHandshake); a second copy of either changes nothing. The same
      // messages go, framed and hashed once: made again, their encoding and SHA-256 took up to 8 ms
      // of a cold acceptor's main thread here, ahead of the dialler's proof (bench:browser profiles).
      record.spokeBeforeHeard = false;
      for (const sent of [record.ourHandshake, this.proofs.boundProofSent(record.link)]) if (sent) record.sendMessage(sent, { uncompressed: true });
    }
    const now = this.host.clock.now();
    record.lastDataAt = now;
    record.bytesReceived += bytes.byteLength;
    const { debug } = this.host;
    if (debug.enabled(6)) debug.print(6, () => `raw from ${record}: ${toHex(bytes.subarray(0, 256))}${bytes.length > 256 ? '…' : ''}`);
    let frames: Uint8Array[];
    try {
      frames = record.reader.pushFrames(bytes);
      this.limits.received(record, bytes.length, record.reader.buffered);
    } catch (error) {
      // A TLS peer on a plain link: its ClientHello reads as a frame header of some 369 MB.
      const tls = record.id === undefined && speaksTls(bytes);
      this.badInput(record, tls ? new ProtocolMismatchError(`${this.host.wireProtocolId} (${this.host.encryption})`, 'TLS, an SSL protocol') : error);
      return;
    }
    this.reading.take(record, frames, now);
  }

  /**
   * One frame from `record` (header included: FrameReader.pushFrames), in its turn (fair-reading.ts);
   * throws on bad input. Some work finishes later (the compression codec loading, an asynchronous
   * identity proof check): the frames after it are parked until it settles, so none overtakes it.
   */
  private onFrame(record: ConnectionRecord, frame: Uint8Array): void {
    if (record.held) {
      this.hold(record, [frame]);
      return;
    }
    if (record.waitsForCodec(frame)) {
      this.host.debug.print(2, () => `${record} sent a compressed frame: loading the compression codec`);
      this.holdUntil(record, loadCompression(), [frame]);
      return;
    }
    const bodyBytes = frame.length - HEADER_BYTES;
    if (!this.limits.admitFrame(record, bodyBytes)) return;
    const wire = record.decode(frame, this.host.maxFrameBytes, this.host.limits, this.verifier && NATIVE_DIGEST_MIN_BYTES);
    this.limits.inflated(record, bodyBytes, ID_BYTES + wire.bodyLength);
    if (!this.verifier?.hold(record, wire)) this.take(record, wire);
  }

  /** A message from `record`, its id checked (or, for a whisper, not needed: §14.11), in its link's order. */
  private take(record: ConnectionRecord, wire: WireMessage): void {
    if (wire.type === flags.renegotiate) this.renegotiate(record, wire);
    else if (wire.type === flags.whisper && isProofMessage(wire.payload)) {
      if (!this.heldForHandshake(record, wire.payload)) this.readProof(record, wire.payload);
    } else if (this.proofs.pending(record.link)) this.host.debug.print(1, () => `ignoring a message from ${record}: its id is not proven yet`);
    else this.host.onMessage(record, wire);
  }

  /** Reads frames parked behind a wait, in order, until one waits again (it parks the rest). */
  private readHeld(record: ConnectionRecord, frames: readonly Uint8Array[]): void {
    for (const frame of frames) {
      if (record.closed) return;
      this.onFrame(record, frame);
    }
  }

  /**
   * Parks `frames` until `settled` and then reads them, in order; a `settled` that rejects drops the
   * link with its error (the codec failed to load: CompressionNotLoadedError).
   */
  private holdUntil(record: ConnectionRecord, settled: Promise<unknown>, frames: readonly Uint8Array[]): void {
    record.held = { frames: [], bytes: 0 };
    settled.then(
      () => {
        const waiting = record.held?.frames ?? [];
        record.held = undefined;
        if (record.closed) return;
        try {
          this.readHeld(record, waiting);
        } catch (error) {
          this.badInput(record, error);
        }
      },
      (error: unknown) => {
        record.held = undefined;
        if (!record.closed) this.badInput(record, error);
      },
    );
    this.hold(record, frames);
  }

  /** Adds to what a link has parked, bounded by MAX_HELD_FRAME_BYTES (PeerLimitError past it). */
  private hold(record: ConnectionRecord, frames: readonly Uint8Array[]): void {
    const held = record.held!;
    for (const frame of frames) {
      held.frames.push(frame);
      held.bytes += frame.length - HEADER_BYTES; // body bytes, as MAX_HELD_FRAME_BYTES counts them
    }
    if (held.bytes > MAX_HELD_FRAME_BYTES) {
      const detail = `sent ${held.bytes} bytes of frames while earlier ones waited (a codec loading, or a proof being checked; over ${MAX_HELD_FRAME_BYTES})`;
      throw new PeerLimitError('rate', record.id ?? record.link.remoteAddress ?? 'a peer', detail);
    }
  }

  /** Bad bytes from a peer: drop that connection, tell whoever listens, carry on. */
  private badInput(record: ConnectionRecord, error: unknown): void {
    const problem = error instanceof Error ? error : new FrameError(String(error));
    this.host.debug.print(0, () => `dropping ${record}: ${problem.message}`);
    this.host.error(problem);
    this.drop(record, problem);
  }

  /** §1.3: follow the peer's compression list and answer with what we share; resend on request. */
  private renegotiate(record: ConnectionRecord, wire: WireMessage): void {
    const request = decodeRenegotiate(wire.payload);
    if (request.kind === 'compression') {
      const { methods } = request;
      const changed = methods.length !== record.compression.length || methods.some((m, i) => m !== record.compression[i]);
      record.renegotiated(methods);
      this.host.debug.print(2, () => `compression with ${record} is now ${JSON.stringify(methods)}`);
      if (changed) {
        const [type, ...packets] = encodeCompressionOffer(intersectCompression(this.host.compression, methods));
        record.send(flags.renegotiate, type!, ...packets);
      }
    } else if (request.kind === 'resend' && record.lastSent && this.limits.mayAnswer(record, record.lastSent.body.length)) {
      record.sendMessage(record.lastSent);
    }
  }

  // ---------------------------------------------------------------- handshakes

  /**
   * The peer's handshake (§2.1), dated `sentAt` by its clock (Unix seconds); repeated ones (js2p
   * sends two) refresh what they carry.
   */
  handshake(record: ConnectionRecord, payload: readonly Packet[], sentAt: number): void {
    const hs = decodeHandshake(payload);
    const dialect = dialectOf(payload);
    // The dialler spoke first: answer in its types, before a mismatch hangs up, so it learns why.
    if (!record.ourHandshake) this.sendHandshake(record, dialect);
    const expected = this.host.wireProtocolId;
    if (hs.protocolId !== expected) {
      const error = new ProtocolMismatchError(expected, hs.protocolId);
      this.host.debug.print(1, () => error.message);
      this.host.error(error);
      this.drop(record, error);
      return;
    }
    if (hs.id === this.host.id) {
      this.drop(record, new Web2pError('connected to itself'));
      return;
    }
    if (record.id !== undefined) {
      if (record.id !== hs.id) throw new FrameError('a second handshake on one connection changed the node id');
      record.addr = hs.addr;
      record.compression = hs.compression;
      return;
    }
    if (record.outgoing && dialect.binProtocolId && !record.dialect.binProtocolId) {
      // py2p 0.7.878 answered our str protocol id in bin: it is refusing us right now (§2.4).
      record.dialect = dialect;
      this.drop(record, new HandshakeRefusedError(String(record), true));
      return;
    }
    record.dialect = dialect;
    record.clockAheadSeconds = sentAt - this.host.nowSeconds();
    if (record.expectedId !== undefined && hs.id !== record.expectedId) {
      this.refuse(record, new IdentityProofError(record.expectedId, `we dialled it as ${record.expectedId} but it answered as ${hs.id}`));
      return;
    }
    if (hs.compression.includes(IDENTITY_PROOF_MARKER)) {
      // A web2p peer: it joins once it proves the id (proofMessage).
      this.proofs.sendHello(record.link);
      this.proofs.claim(record.link, hs);
      const early = record.earlyProof;
      record.earlyProof = undefined;
      if (early) this.readProof(record, early);
      return;
    }
    if (this.host.trust !== 'legacy') {
      this.refuse(record, new UnsignedPeerError(hs.id));
      return;
    }
    this.admit(record, hs, false);
  }

  /**
   * Holds a proof message that came before the peer's handshake, on a WebRTC link we dialled: the
   * peer sends its handshake again once it hears from us (onData), and the message is read then.
   * Only one: a second, or one on any other link, goes to LinkProofs, which refuses it as out of order.
   */
  private heldForHandshake(record: ConnectionRecord, payload: readonly Packet[]): boolean {
    const { link } = record;
    if (!link.outgoing || !link.peerIsWeb2p || record.earlyProof !== undefined || this.proofs.claimed(link)) return false;
    decodeProofMessage(payload); // a malformed one is refused now (FrameError), not held
    record.earlyProof = payload;
    return true;
  }

  /** Reads a hello or proof; later frames wait while an asynchronous Ed25519 checks it. */
  private readProof(record: ConnectionRecord, payload: readonly Packet[]): void {
    const settling = this.proofMessage(record, payload);
    if (settling) this.holdUntil(record, settling, []);
  }

  /**
   * The peer's hello or proof; once it proved its claim, it joins. Returns a promise when the outcome
   * comes later (an asynchronous Ed25519): the link's later frames wait for it.
   */
  private proofMessage(record: ConnectionRecord, payload: readonly Packet[]): Promise<void> | undefined {
    const outcome = this.proofs.receive(record.link, payload);
    if (!(outcome instanceof Promise)) {
      this.proofOutcome(record, outcome);
      return undefined;
    }
    return outcome.then((settled) => {
      if (!record.closed) this.proofOutcome(record, settled);
    });
  }

  private proofOutcome(record: ConnectionRecord, outcome: ProofOutcome): void {
    if (outcome.kind === 'failed') this.refuse(record, new IdentityProofError(outcome.peer, outcome.reason));
    else if (outcome.kind === 'proven') this.admit(record, outcome.claim, true);
  }

  /** A peer we do not let in: the error names it and says why; its connection is dropped. */
  private refuse(record: ConnectionRecord, error: Error): void {
    this.host.debug.print(1, () => `refusing ${record}: ${error.message}`);
    this.host.error(error);
    this.drop(record, error);
  }

  /** Takes a peer whose handshake is complete (and, when `proven`, its id proven) into the routing table. */
  private admit(record: ConnectionRecord, hs: Handshake, proven: boolean): void {
    if (!proven && this.table.get(hs.id)?.proven) {
      // trust: 'legacy' lets unproven peers in, but never in place of a peer that proved this id.
      this.refuse(record, new IdentityProofError(hs.id, 'it claims the id of a connected peer that proved it, and cannot prove it'));
      return;
    }
    record.proven = proven;
    this.handshakes.resolve(record, undefined);
    this.host.book.remember(hs.id, hs.addr);
    // Taken before a conflict is settled: a losing connection is still read (RetiringConnections),
    // and the peer compresses what it sends there as this handshake says.
    record.addr = hs.addr;
    record.compression = hs.compression;
    record.announcesNeighbours = hs.compression.includes(NEIGHBOUR_UPDATES_MARKER);
    const existing = this.table.get(hs.id);
    if (existing && !existing.closed) {
      this.resolveConflict(existing, record, hs.id);
      return;
    }
    record.id = hs.id;
    this.host.debug.print(2, () => `handshake from ${hs.id}; compression ${JSON.stringify(hs.compression)}`);
    this.addToTable(record);
  }

  /**
   * Two connections to one peer (both dialled at once): keep the one dialled by the larger id, which
   * is py2p's `(mine > theirs) XOR new.outgoing` rule (§4.8) stated so both ends visibly agree, and
   * actually keep it (py2p overwrote the table with the loser anyway, §11).
   */
  private resolveConflict(existing: ConnectionRecord, incoming: ConnectionRecord, peerId: string): void {
    const weAreLarger = nodeIdValue(this.host.id) > nodeIdValue(peerId);
    const keepIncoming = incoming.proven !== existing.proven ? incoming.proven : incoming.outgoing === weAreLarger;
    const [winner, loser] = keepIncoming ? [incoming, existing] : [existing, incoming];
    this.host.debug.print(1, () => `conflict: two connections to ${peerId}; keeping the one ${weAreLarger === winner.outgoing ? 'we' : 'they'} dialled`);
    if (keepIncoming) {
      incoming.id = peerId;
      incoming.neighbours = existing.neighbours;
      this.install(incoming, peerId);
    }
    this.dials.settled(loser, winner);
    this.dials.settled(winner, winner);
    loser.id = peerId;
    this.awaiting.delete(loser);
    this.retiring.retire(loser);
  }

  private addToTable(record: ConnectionRecord): void {
    const id = record.id!;
    const wasEmpty = this.table.size === 0;
    this.install(record, id);
    const skew = clockSkewReport(id, record.clockAheadSeconds);
    if (skew) this.host.error(skew);
    this.host.peerUp(record, wasEmpty);
    this.dials.arrived(id, record);
  }

  /** Makes `record` the open connection to `peerId` in the routing table. */
  private install(record: ConnectionRecord, peerId: string): void {
    record.phase = 'open';
    record.installedAt = this.host.clock.now();
    this.awaiting.delete(record);
    this.table.set(peerId, record);
    this.views.set(peerId, record.view);
  }

  // ---------------------------------------------------------------- upkeep and hang-ups

  /** Whether `view`'s peer may be sent an answer of `bytes` now (its answer budget, node-limits.ts). */
  mayAnswer(view: Connection, bytes: number): boolean {
    const record = this.records.get(view);
    return record !== undefined && this.limits.mayAnswer(record, bytes);
  }

  /**
   * Drops connections stuck mid-frame for STALLED_FRAME_MS (py2p does the same), and those whose
   * frame arrives too slowly (connection-limits.ts).
   */
  dropStalled(): void {
    this.limits.dropSlowFrames();
    const now = this.host.clock.now();
    for (const record of [...this.table.values(), ...this.awaiting]) {
      if (record.reader.buffered > 0 && now - record.lastDataAt > STALLED_FRAME_MS && !this.gate.held(record.link)) {
        this.drop(record, new TimeoutError(`stuck mid-frame for ${STALLED_FRAME_MS} ms`));
      }
    }
  }

  /**
   * The send queues together passed limits.maxTotalSendQueueBytes: the connection with the most
   * queued (the slowest reader) is dropped, and the next while the total is still over (a frame
   * other queues share stays held).
   */
  private dropSlowestReaders(): void {
    const max = this.host.limits.maxTotalSendQueueBytes;
    while (this.sendQueueTotal.over) {
      let slowest: ConnectionRecord | undefined;
      for (const record of [...this.table.values(), ...this.awaiting]) {
        if (record.queue.queuedBytes > (slowest?.queue.queuedBytes ?? 0)) slowest = record;
      }
      if (!slowest) return; // what is left is held by links already closing, released as they end
      const error = new PeerLimitError('send-queue-total', String(slowest), `it has the most of what we sent queued (${slowest.queue.queuedBytes} bytes) when the send queues of all peers passed ${max} bytes`);
      this.host.debug.print(0, () => error.message);
      this.host.error(error);
      this.drop(slowest, error);
    }
  }

  /** Closes a connection because of something it did or failed to do. */
  drop(record: ConnectionRecord, reason: Error): void {
    this.dials.failed(record, () => reason);
    if (reason instanceof PeerLimitError && !record.closed) {
      // A peer dropped for its limits is owed nothing more: what we queued for it (up to
      // maxSendQueueBytes for one that did not read) is released now, not over a graceful close
      // (PROTOCOL.md §14.17).
      record.phase = 'closing';
      record.link.abort();
    }
    record.close();
    this.forget(record, false);
  }

  private onLinkClosed(record: ConnectionRecord, error?: Error): void {
    const byUs = record.closed;
    record.phase = 'closed';
    // Only dialled links wait there, and they sent our handshake first. Upstream peers refuse a
    // handshake by hanging up: say so rather than only "closed".
    this.dials.failed(record, () => new HandshakeRefusedError(String(record), record.id !== undefined, error));
    this.host.debug.print(1, () => `${record} disconnected${error ? `: ${error.message}` : ''}`);
    this.forget(record, !byUs);
  }

  /** Removes a closed connection from our tables. */
  private forget(record: ConnectionRecord, unexpected: boolean): void {
    record.queue.stop();
    this.limits.forgotten(record);
    this.reading.forget(record);
    this.verifier?.forget(record);
    this.handshakes.resolve(record, undefined);
    this.awaiting.delete(record);
    const id = record.id;
    if (id === undefined || this.table.get(id) !== record) return;
    this.table.delete(id);
    this.views.delete(id);
    // Links that keep ending soon after they began (the peer refuses us, or we it) would only end
    // again if redialled at once: the book backs such a peer off (PeerBook.linkEnded).
    const now = this.host.clock.now();
    this.host.book.linkEnded(id, now, now - record.installedAt < SHORT_LIVED_LINK_MS);
    this.host.peerDown(id, unexpected && !this.closed);
  }

  /** Drops every connection; dials and handshakes still waiting fail with SocketClosedError. */
  close(): void {
    this.closed = true;
    this.dials.close();
    this.retiring.closeAll();
    for (const record of [...this.table.values(), ...this.awaiting]) this.drop(record, new SocketClosedError());
    this.handshakes.close();
  }
}
