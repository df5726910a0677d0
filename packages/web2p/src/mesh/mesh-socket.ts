import { FrameError, HandshakeRefusedError, ProtocolMismatchError, RecvQueueOverflowError, SocketClosedError, TimeoutError, Web2pError } from '../errors.js';
import { every, systemClock, unixSeconds, type Clock, type TimerHandle } from '../runtime/clock.js';
import { Emitter } from '../runtime/emitter.js';
import { shuffled, systemRandom, type Random } from '../runtime/random.js';
import type { Link, Transport, WireAddress } from '../transport/types.js';
import { SUPPORTED_COMPRESSION, intersectCompression } from '../wire/compression.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../wire/constants.js';
import { flags } from '../wire/flags.js';
import { createMessage, type WireMessage } from '../wire/message.js';
import { makeNodeId, nodeIdValue } from '../wire/node-id.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import { toHex } from '../wire/packet.js';
import { Protocol } from '../wire/protocol.js';
import { Connection, type ConnectionOwner } from './connection.js';
import {
  CONFLICT_GRACE_MS,
  CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_OUTGOING,
  HANDSHAKE_TIMEOUT_MS,
  MAINTENANCE_INTERVAL_MS,
  MAX_BIN_DIALECT_ADDRESSES,
  MAX_CLOCK_AHEAD_SECONDS,
  MAX_QUEUED_BYTES,
  MAX_QUEUED_MESSAGES,
  NEIGHBOUR_UPDATES_MARKER,
  PEER_BOOK_SIZE,
  PEER_REFRESH_MS,
  REDIAL_BACKOFF_MS,
  SEEN_WINDOW_SECONDS,
  STALLED_FRAME_MS,
} from './constants.js';
import { DebugLog, type LogSink } from './debug.js';
import { handshakePayload, isHandshake, packetText, parseHandshake, parseWireAddress } from './handshake.js';
import { Message, type ReplyRouter } from './message.js';
import { PeerBook } from './peer-book.js';
import { BinDialectAddresses, PEER_REQUEST_ALL, STR_DIALECT, dialectOf, speaksTls, typedProtocolId, type PeerDialect } from './peer-dialect.js';
import { RoutedReplies, type RoutedRepliesHost } from './routed-replies.js';
import { BroadcastOutbox } from './broadcast-outbox.js';
import { Inbox } from './inbox.js';
import { RetiringConnections } from './retiring-connections.js';
import { SeenCache } from './seen-cache.js';
import { SignalRelay } from './signal-relay.js';
import { parseSendArgs, type SendOptions } from './send-args.js';
import type { IceServer } from '../transport/webrtc/rtc-types.js';

/** Options of `new MeshSocket(options)`; every one has a default. */
export interface MeshSocketOptions {
  /** Default: the class's `defaultProtocol` (Protocol('mesh', 'Plaintext') for MeshSocket). */
  protocol?: Protocol;
  /** 0..6, py2p's levels (protocol.md §4.11). */
  debugLevel?: number;
  /** Where debug lines go; default console.log. */
  log?: LogSink;
  /** Stop auto-connecting from peer lists at this many outgoing connections. Default 4. */
  maxOutgoing?: number;
  /**
   * Where links come from: a SimNetwork's transport, WebRTC, Node TCP… Default: the package
   * entry's (WebRTC with the platform's RTCPeerConnection in `web2p`, node-datachannel in `web2p/node`).
   */
  transport?: Transport;
  /** STUN/TURN servers for the default WebRTC transport (py2p's out_addr, for browsers). None by default. */
  iceServers?: IceServer[];
  /**
   * Compression methods to advertise and use, in order of preference (protocol.md §1.3). Default:
   * the transport's choice, else zlib and gzip as py2p.
   */
  compression?: readonly number[];
  /** Largest frame accepted from a peer, checked from its header. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Most bytes of unread messages the recv() queue holds before dropping the oldest. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Default: the transport's clock (virtual in a simulation), else the system clock. */
  clock?: Clock;
  /** Default: the transport's random source (seeded in a simulation), else Web Crypto. */
  random?: Random;
}

/** A handler sees every message the built-ins did not claim; returning truthy claims it. */
export type Handler = (msg: Message, conn: Connection) => boolean | void | undefined;

/** The events of a MeshSocket: `socket.on('message', (msg) => …)`. */
export type MeshEvents = {
  /**
   * A message no handler claimed. As in Node streams' flowing mode, while a 'message' listener is
   * attached messages go to the listeners and are not kept for recv() after them (recv() from the
   * listener itself still returns the message, as in py2p).
   */
  message: (msg: Message) => void;
  /** The routing table went from empty to non-empty. */
  connect: () => void;
  /** A peer left the routing table. */
  disconnect: (peerId: string) => void;
  /** A peer entered the routing table. */
  peer: (peerId: string, conn: Connection) => void;
  /** Something went wrong that no call is waiting for: a protocol mismatch, a bad frame… */
  error: (error: Error) => void;
};

interface PendingConnect {
  resolve(conn: Connection): void;
  reject(error: Error): void;
}

/**
 * MeshSocket: py2p's mesh (protocol.md §4) over any Transport. Every broadcast reaches every
 * participant once (the waterfall), whispers go to neighbours, replies find their way back to a
 * sender that is not a neighbour, and peers learned from peer lists keep the mesh connected.
 *
 * @example
 * ```ts
 * import { MeshSocket } from 'web2p';
 *
 * const chat = new MeshSocket({ iceServers: [] });        // WebRTC in a browser
 * await chat.connect('ws://127.0.0.1:8787/chat');         // meet peers in a signaling room
 * chat.on('message', (msg) => console.log(msg.packets));  // [flags.broadcast, 'hello']
 * chat.send('hello');                                      // every node of the mesh gets it once
 * ```
 */
export class MeshSocket<Events extends MeshEvents = MeshEvents>
  extends Emitter<Events>
  implements AsyncIterable<Message>, ReplyRouter {
  /** The protocol of sockets made without one (py2p's `mesh.default_protocol`). */
  static defaultProtocol = new Protocol('mesh', 'Plaintext');

  /**
   * Makes the transport of a socket constructed without one. The package entry sets it, so that
   * this layer never imports a concrete transport.
   */
  static defaultTransport: ((options: MeshSocketOptions) => Transport) | undefined;

  /** The subnet and encryption this socket speaks; peers of another protocol are refused. */
  readonly protocol: Protocol;
  /** This node's id: base58, unique per socket, what peers and `msg.sender` call it. */
  readonly id: string;
  /** Auto-connecting from peer lists stops at this many outgoing connections. */
  readonly maxOutgoing: number;
  /** The compression methods this socket offers, in order of preference. */
  readonly compression: readonly number[];
  protected readonly clock: Clock;
  protected readonly random: Random;
  protected readonly transport: Transport;
  protected readonly debug: DebugLog;
  private readonly maxFrameBytes: number;
  private readonly connectionOwner: ConnectionOwner;

  private readonly table = new Map<string, Connection>();
  private readonly awaiting = new Set<Connection>();
  private readonly seen = new SeenCache(SEEN_WINDOW_SECONDS);
  private readonly book = new PeerBook(PEER_BOOK_SIZE);
  private readonly dialing = new Set<string>();
  private readonly binDialect = new BinDialectAddresses(MAX_BIN_DIALECT_ADDRESSES);
  /** Dials under way to known peers, so a second wish to reach one joins the first. */
  private readonly dialsById = new Map<string, Promise<Connection | undefined>>();
  private readonly handlers: Handler[] = [];
  private readonly inbox: Inbox;
  private readonly pendingConnects = new Map<Connection, PendingConnect>();
  private readonly handshakeTimers = new Map<Connection, TimerHandle>();
  private readonly routed: RoutedReplies;
  private readonly signals: SignalRelay;
  private readonly broadcasts: BroadcastOutbox;
  private readonly retiring: RetiringConnections;
  private readonly stopMaintenance: () => void;
  /**
   * Resolves once the transport accepts connections and `address` is known (a TCP listener on port
   * 0 learns its port only then); rejects if it cannot listen.
   */
  readonly listening: Promise<void>;
  private closed = false;
  private lastPeerRequest = Number.NEGATIVE_INFINITY;

  constructor(options: MeshSocketOptions = {}) {
    super();
    const transport = options.transport ?? MeshSocket.defaultTransport?.(options);
    if (!transport) {
      throw new TypeError('MeshSocket needs a transport: pass { transport: net.transport() } from web2p/sim, or import web2p/node');
    }
    this.transport = transport;
    this.clock = options.clock ?? this.transport.clock ?? systemClock;
    this.random = options.random ?? this.transport.random ?? systemRandom;
    this.protocol = this.adjustProtocol(options.protocol ?? (this.constructor as typeof MeshSocket).defaultProtocol, options);
    this.id = makeNodeId(this.random.bytes(32), this.protocol.id);
    this.maxOutgoing = options.maxOutgoing ?? DEFAULT_MAX_OUTGOING;
    this.compression = options.compression ?? this.transport.compression ?? SUPPORTED_COMPRESSION;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.inbox = this.makeInbox(options.maxQueuedBytes ?? MAX_QUEUED_BYTES);
    this.retiring = new RetiringConnections(this.clock, CONFLICT_GRACE_MS);
    this.connectionOwner = this.makeConnectionOwner();
    this.debug = new DebugLog(options.debugLevel ?? 0, () => this.id.slice(0, 8), options.log ?? console.log);
    this.routed = new RoutedReplies(this.routedRepliesHost());
    this.broadcasts = new BroadcastOutbox({
      id: this.id,
      clock: this.clock,
      seen: this.seen,
      maxFrameBytes: this.maxFrameBytes,
      nowSeconds: () => this.nowSeconds(),
      deliver: (wire) => {
        for (const conn of this.table.values()) conn.sendMessage(wire);
      },
    });
    this.signals = new SignalRelay({
      id: this.id,
      table: () => this.table,
      deliver: (from, data) => this.transport.onRelayedSignal?.(from, data),
      debug: this.debug,
    });
    this.registerBuiltins([
      (msg, conn) => this.handleHandshake(msg, conn),
      (msg, conn) => this.handlePeers(msg, conn),
      (msg, conn) => this.routed.handleResponse(msg, conn),
      (msg, conn) => this.handleRequest(msg, conn),
      (msg, conn) => this.signals.handle(msg, conn),
    ]);
    this.listening = this.transport.listen((link) => this.adopt(link), {
      id: this.id,
      relaySignal: (to, data) => this.signals.send(to, data),
    });
    this.listening.catch((error: unknown) => this.fail(error)); // reported as 'error' too
    this.stopMaintenance = every(this.clock, MAINTENANCE_INTERVAL_MS, () => this.maintain());
  }

  /** Sync and chord put their own marks on the protocol (leasing digit, k). */
  protected adjustProtocol(protocol: Protocol, _options: MeshSocketOptions): Protocol {
    return protocol;
  }

  /** The protocol id sent in handshakes and required of peers. Chord appends base58(k). */
  protected get wireProtocolId(): string {
    return this.protocol.id;
  }

  /** Where others can reach this node: 'sim://…', 'tcp://host:port', … */
  get address(): string {
    return this.transport.address ?? '';
  }

  /** Peers whose handshake completed, by id. */
  get routingTable(): ReadonlyMap<string, Connection> {
    return this.table;
  }

  /** Connections whose handshake has not arrived yet. */
  get awaitingIds(): readonly Connection[] {
    return [...this.awaiting];
  }

  /** Outgoing connections, open or being dialled (compared with `maxOutgoing`). */
  get outgoingCount(): number {
    let count = this.dialing.size;
    for (const conn of this.table.values()) if (conn.outgoing) count++;
    return count;
  }

  // ---------------------------------------------------------------- connecting

  /**
   * Connects to a peer and resolves once both ends hold the connection in their routing tables
   * (rejecting with ProtocolMismatchError when it speaks another protocol), or, for a rendezvous
   * address such as a signaling room, once registered there. `connect(host, port)` dials a
   * py2p-style address.
   */
  async connect(target: string, port?: number): Promise<void> {
    const address = port === undefined ? target : this.transport.addressFromWire([target, port], '');
    if (address === undefined) throw new Web2pError(`this socket's transport cannot reach ${target}:${port}`);
    await this.clock.whilePending(this.dial(address));
  }

  /** Dials `address` and waits for the handshake. Resolves with the connection that won. */
  protected dial(address: string, expectedId?: string): Promise<Connection | undefined> {
    if (expectedId === undefined) return this.dialAddress(address, undefined);
    // One dial per peer at a time: peer exchange, a routed reply and chord may all want the same one.
    const connected = this.table.get(expectedId);
    if (connected) return Promise.resolve(connected);
    let dialling = this.dialsById.get(expectedId);
    if (!dialling) {
      dialling = this.dialAddress(address, expectedId);
      this.dialsById.set(expectedId, dialling);
      const forget = (): void => void this.dialsById.delete(expectedId);
      dialling.then(forget, forget);
    }
    return dialling;
  }

  private async dialAddress(address: string, expectedId: string | undefined): Promise<Connection | undefined> {
    if (this.closed) throw new SocketClosedError();
    await this.listening;
    let timedOut = false;
    const dialling = this.transport.dial(address);
    // A link that turns up after we gave up must not linger unowned.
    dialling.then((late) => timedOut && late?.close(), () => {});
    const link = await this.withTimeout(dialling, `dialling ${address}`, () => (timedOut = true));
    if (!link) {
      // A rendezvous, or a peer the transport is already linked with: its link comes through onLink.
      return expectedId === undefined ? undefined : this.withTimeout(this.peerArrival(expectedId), `the handshake of ${expectedId}`, () => {});
    }
    const inBin = this.binDialect.has(address);
    const conn = this.adopt(link, expectedId, { binProtocolId: inBin });
    try {
      return await this.withTimeout(
        new Promise<Connection>((resolve, reject) => this.pendingConnects.set(conn, { resolve, reject })),
        `the handshake from ${address}`,
        () => conn.close(),
      );
    } catch (error) {
      // The peer answered our str protocol id in bin, as py2p 0.7.878 does before it hangs up on
      // us (§2.4): dial again, once, in bin.
      if (inBin || !(error instanceof HandshakeRefusedError) || !conn.dialect.binProtocolId) throw error;
      this.debug.print(1, () => `${address} refused our handshake; dialling again with the protocol id as bin`);
      this.binDialect.add(address);
      return this.dialAddress(address, expectedId);
    }
  }

  /** Resolves when peer `id` is in the routing table. */
  private peerArrival(id: string): Promise<Connection> {
    const connected = this.table.get(id);
    if (connected) return Promise.resolve(connected);
    return new Promise((resolve) => {
      const onPeer = (peerId: string, conn: Connection): void => {
        if (peerId !== id) return;
        this.off('peer', onPeer as Events['peer']);
        resolve(conn);
      };
      this.on('peer', onPeer as Events['peer']);
    });
  }

  private withTimeout<T>(promise: Promise<T>, what: string, onTimeout: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        onTimeout();
        reject(new TimeoutError(`${what} did not complete within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      promise.then(
        (value) => {
          this.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Takes a fresh link into the socket: frames in, and our handshake out, at once when we dialled
   * (typed as `dialect`, str by default) and otherwise in answer to the dialler's, in its types.
   */
  private adopt(link: Link, expectedId?: string, dialect: Pick<PeerDialect, 'binProtocolId'> = { binProtocolId: false }): Connection {
    const now = this.clock.now();
    const conn = new Connection(link, this.connectionOwner, { expectedId, maxFrameBytes: this.maxFrameBytes, now });
    if (this.closed) {
      conn.close();
      return conn;
    }
    this.awaiting.add(conn);
    this.handshakeTimers.set(
      conn,
      this.clock.setTimeout(() => {
        this.debug.print(1, () => `no handshake from ${link.remoteAddress ?? 'a peer'} in ${HANDSHAKE_TIMEOUT_MS} ms`);
        this.drop(conn, new TimeoutError(`no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`));
      }, HANDSHAKE_TIMEOUT_MS),
    );
    this.debug.print(1, () => `${link.outgoing ? 'connected to' : 'accepted'} ${link.remoteAddress ?? 'a peer'}`);
    // A dialler's handshake goes out before we read anything: attaching hands over bytes the peer
    // already sent, and if its handshake makes us hang up, it must still learn why from ours.
    conn.dialect = { ...STR_DIALECT, binProtocolId: dialect.binProtocolId };
    if (link.outgoing) this.sendHandshake(conn, dialect);
    link.attach({
      data: (bytes) => this.onData(conn, bytes),
      close: (error) => this.onLinkClosed(conn, error),
    });
    return conn;
  }

  /** Our handshake, with the protocol id typed as the peer expects it (peer-dialect.ts). */
  private sendHandshake(conn: Connection, dialect: Pick<PeerDialect, 'binProtocolId'>): void {
    const payload = this.handshakePayload();
    payload[2] = typedProtocolId(this.wireProtocolId, dialect);
    conn.handshakeSent = true;
    // Handshakes always travel uncompressed (§1.3).
    conn.sendMessage(createMessage(flags.whisper, this.id, this.nowSeconds(), payload), { uncompressed: true });
  }

  /** What this socket says in its handshake; subclasses add to it (py2p's handshake packets). */
  protected handshakePayload(): Packet[] {
    return handshakePayload({
      id: this.id,
      protocolId: this.wireProtocolId,
      addr: this.transport.wireAddress(),
      compression: [...this.compression, NEIGHBOUR_UPDATES_MARKER],
    });
  }

  private makeConnectionOwner(): ConnectionOwner {
    return {
      id: this.id,
      compression: this.compression,
      nowSeconds: () => this.nowSeconds(),
      traceSend: (conn, message) => {
        if (message.type === flags.broadcast) this.seen.add(message.idHex, message.time, this.nowSeconds());
        if (this.debug.enabled(4)) this.debug.print(4, () => `sending ${describe(message)} to ${conn}`);
      },
    };
  }

  // ---------------------------------------------------------------- receiving

  private onData(conn: Connection, bytes: Uint8Array): void {
    if (conn.closed) return;
    conn.lastDataAt = this.clock.now();
    if (this.debug.enabled(6)) this.debug.print(6, () => `raw from ${conn}: ${toHex(bytes.subarray(0, 256))}${bytes.length > 256 ? '…' : ''}`);
    try {
      for (const body of conn.reader.push(bytes)) {
        if (conn.closed) return;
        this.onMessage(conn, conn.decode(body, this.maxFrameBytes));
      }
    } catch (error) {
      // A TLS peer on a plain link: its ClientHello reads as a frame header of some 369 MB.
      const tls = conn.id === undefined && speaksTls(bytes);
      this.onBadInput(conn, tls ? new ProtocolMismatchError(`${this.wireProtocolId} (${this.protocol.encryption})`, 'TLS, an SSL protocol') : error);
    }
  }

  /** Bad bytes from a peer: drop that connection, tell whoever listens, carry on. */
  private onBadInput(conn: Connection, error: unknown): void {
    const problem = error instanceof Error ? error : new FrameError(String(error));
    this.debug.print(0, () => `dropping ${conn}: ${problem.message}`);
    this.emitMesh('error', problem);
    this.drop(conn, problem);
  }

  private onMessage(conn: Connection, wire: WireMessage): void {
    if (this.debug.enabled(1)) this.debug.print(1, () => `received ${describe(wire)} from ${conn}`);
    if (wire.type === flags.renegotiate) {
      this.handleRenegotiate(conn, wire);
      return;
    }
    if (wire.type === flags.broadcast && !this.waterfall(wire, conn)) return;
    const msg = new Message(wire, this);
    const tracing = this.debug.enabled(4); // no closures per handler per message unless printing
    for (const handler of this.handlers) {
      if (tracing) this.debug.print(4, () => `entering handler ${handler.name || '(anonymous)'}`);
      let claimed: boolean | void | undefined;
      try {
        claimed = handler(msg, conn);
      } catch (error) {
        if (error instanceof FrameError) throw error; // a built-in found the peer's input malformed
        this.debug.print(0, () => `handler ${handler.name || '(anonymous)'} threw: ${String(error)}`);
        this.emitMesh('error', error instanceof Error ? error : new Web2pError(String(error)));
        return;
      }
      if (tracing) this.debug.print(4, () => `leaving handler ${handler.name || '(anonymous)'}`);
      if (claimed) return;
      if (conn.closed) return;
    }
    const subFlag = wire.payload[0];
    if (subFlag === flags.broadcast || subFlag === flags.whisper) this.enqueue(msg);
    else if (tracing) this.debug.print(4, () => `ignoring unclaimed sub-flag ${String(subFlag)}`);
  }

  /**
   * The waterfall (§4.4): drop expired and already-seen broadcasts, and pass new ones on unchanged
   * to every neighbour except the originator, the neighbour it came from (which has it: py2p sends
   * it back anyway, only for it to be dropped as a duplicate), and the neighbours of that neighbour
   * when it keeps us told of them (it sends to them itself). Skipping those never strands a node:
   * follow the message back towards its originator, who sends to every neighbour, and the first
   * node on the way that is connected to X and was not itself covered sends to X. Returns whether
   * the message is new.
   */
  private waterfall(wire: WireMessage, from: Connection): boolean {
    const now = this.nowSeconds();
    if (wire.time < now - SEEN_WINDOW_SECONDS) {
      this.debug.print(2, () => `waterfall: expired ${describe(wire)}`);
      return false;
    }
    if (wire.time > now + MAX_CLOCK_AHEAD_SECONDS) {
      this.debug.print(2, () => `waterfall: dated ${wire.time - now} s ahead, dropped ${describe(wire)}`);
      return false;
    }
    if (this.seen.has(wire.idHex)) {
      this.debug.print(2, () => `waterfall: duplicate ${describe(wire)}`);
      return false;
    }
    if (this.debug.enabled(2)) this.debug.print(2, () => `waterfall: new ${describe(wire)}`);
    this.seen.add(wire.idHex, wire.time, now);
    const covered = from.announcesNeighbours ? from.neighbours : undefined;
    for (const conn of this.table.values()) {
      if (conn === from || conn.id === wire.sender || covered?.has(conn.id!)) {
        if (this.debug.enabled(3)) this.debug.print(3, () => `not rebroadcasting to ${conn}`);
        continue;
      }
      conn.sendMessage(wire);
    }
    this.seen.prune(now);
    return true;
  }

  /**
   * Flowing mode, as Node streams: with 'message' listeners attached, a message stays queued only
   * while they run (py2p's idiom of calling recv() from the listener still gets it), so a socket
   * that only listens does not also fill the queue.
   */
  private enqueue(msg: Message): void {
    const flowing = this.listenerCount('message') > 0;
    this.inbox.put(msg);
    this.emitMesh('message', msg);
    if (flowing) this.inbox.withdraw(msg);
  }

  private makeInbox(maxBytes: number): Inbox {
    return new Inbox({ messages: MAX_QUEUED_MESSAGES, bytes: maxBytes }, (first) => {
      this.debug.print(1, () => `recv queue over ${MAX_QUEUED_MESSAGES} messages or ${maxBytes} bytes: dropped the oldest message`);
      if (first) this.emitMesh('error', new RecvQueueOverflowError(MAX_QUEUED_MESSAGES, maxBytes));
    });
  }

  // ---------------------------------------------------------------- built-in handlers

  private handleHandshake(msg: Message, conn: Connection): boolean {
    const payload = msg.wire.payload;
    if (!isHandshake(payload)) return false;
    const hs = parseHandshake(payload);
    const dialect = dialectOf(payload);
    // The dialler spoke first: answer in its types, before a mismatch hangs up, so it learns why.
    if (!conn.handshakeSent) this.sendHandshake(conn, dialect);
    if (hs.protocolId !== this.wireProtocolId) {
      const error = new ProtocolMismatchError(this.wireProtocolId, hs.protocolId);
      this.debug.print(1, () => error.message);
      this.emitMesh('error', error);
      this.drop(conn, error);
      return true;
    }
    if (hs.id === this.id) {
      this.drop(conn, new Web2pError('connected to itself'));
      return true;
    }
    if (conn.id !== undefined) {
      if (conn.id !== hs.id) throw new FrameError('a second handshake on one connection changed the node id');
      // A repeated handshake (js2p sends two): refresh what it carries, nothing else.
      conn.addr = hs.addr;
      conn.compression = hs.compression;
      return true;
    }
    if (conn.outgoing && dialect.binProtocolId && !conn.dialect.binProtocolId) {
      // py2p 0.7.878 answered our str protocol id in bin: it is refusing us right now (§2.4).
      conn.dialect = dialect;
      this.drop(conn, new HandshakeRefusedError(String(conn), true));
      return true;
    }
    conn.dialect = dialect;
    this.clearHandshakeTimer(conn);
    this.book.remember(hs.id, hs.addr);
    // Taken before a conflict is settled: a losing connection is still read (RetiringConnections),
    // and the peer compresses what it sends there as this handshake says.
    conn.addr = hs.addr;
    conn.compression = hs.compression;
    conn.announcesNeighbours = hs.compression.includes(NEIGHBOUR_UPDATES_MARKER);
    const existing = this.table.get(hs.id);
    if (existing && !existing.closed) {
      this.resolveConflict(existing, conn, hs.id);
      return true;
    }
    conn.id = hs.id;
    this.debug.print(2, () => `handshake from ${hs.id}; compression ${JSON.stringify(hs.compression)}`);
    this.addToTable(conn);
    return true;
  }

  /**
   * Two connections to one peer (both dialled at once): keep the one dialled by the larger id, which
   * is py2p's `(mine > theirs) XOR new.outgoing` rule (§4.8) stated so both ends visibly agree, and
   * actually keep it (py2p overwrote the table with the loser anyway, §11).
   */
  private resolveConflict(existing: Connection, incoming: Connection, peerId: string): void {
    const weAreLarger = nodeIdValue(this.id) > nodeIdValue(peerId);
    const keepIncoming = incoming.outgoing === weAreLarger;
    const [winner, loser] = keepIncoming ? [incoming, existing] : [existing, incoming];
    this.debug.print(1, () => `conflict: two connections to ${peerId}; keeping the one ${weAreLarger === winner.outgoing ? 'we' : 'they'} dialled`);
    if (keepIncoming) {
      incoming.id = peerId;
      incoming.neighbours = existing.neighbours;
      this.awaiting.delete(incoming);
      this.table.set(peerId, incoming);
    }
    this.settleConnect(loser, winner);
    this.settleConnect(winner, winner);
    loser.id = peerId;
    this.awaiting.delete(loser);
    this.retiring.retire(loser);
  }

  private addToTable(conn: Connection): void {
    const id = conn.id!;
    const wasEmpty = this.table.size === 0;
    this.awaiting.delete(conn);
    this.table.set(id, conn);
    this.dialing.delete(id);
    if (wasEmpty) this.emitMesh('connect');
    this.emitMesh('peer', id, conn);
    this.sendPeers(conn);
    this.announceNeighbours(conn);
    this.onPeerHandshake(conn);
  }

  /** After a new peer's handshake and our peer list: sync sends its data here (§6.4). */
  protected onPeerHandshake(_conn: Connection): void {}

  private settleConnect(conn: Connection, winner: Connection): void {
    const pending = this.pendingConnects.get(conn);
    if (!pending) return;
    this.pendingConnects.delete(conn);
    pending.resolve(winner);
  }

  /**
   * `whisper [peers, [[[host, port], id], ...]]` (§4.7): everyone in our table with an address, in
   * random order as py2p sends it, so that peers filling their slots from it do not all pick the same.
   */
  private sendPeers(conn: Connection): void {
    const list: Packet[] = [];
    for (const peer of this.table.values()) if (peer.addr && peer.id) list.push([[...peer.addr], peer.id]);
    conn.send(flags.whisper, flags.peers, shuffled(this.random, list));
  }

  /** Tells the neighbours that track our neighbours (all but `except`) that our table changed. */
  private announceNeighbours(except?: Connection): void {
    for (const conn of this.table.values()) if (conn !== except && conn.announcesNeighbours) this.sendPeers(conn);
  }

  private handlePeers(msg: Message, conn: Connection): boolean {
    const payload = msg.wire.payload;
    if (payload[0] !== flags.peers) return false;
    // py2p and js2p send their peer list after taking in our handshake, so once it is here both
    // routing tables hold this connection: that is when connect() may resolve.
    if (conn.id !== undefined) this.settleConnect(conn, conn);
    const list = payload[1];
    if (!Array.isArray(list)) throw new FrameError('bad peers message: the list must be an array');
    const listed: string[] = [];
    for (const entry of list) {
      if (!Array.isArray(entry) || entry.length !== 2) continue;
      const addr = parseWireAddress(entry[0]);
      const id = packetText(entry[1]);
      if (!addr || id === undefined || id === this.id) continue;
      this.book.remember(id, addr);
      listed.push(id);
    }
    if (conn.id !== undefined) this.signals.learn(conn.id, listed);
    if (conn.announcesNeighbours) conn.neighbours = new Set(listed);
    this.fillOutgoing();
    return true;
  }

  /** `request '*'` asks for our peers; any other request is a reply route probe (§4.10). */
  private handleRequest(msg: Message, conn: Connection): boolean {
    const payload = msg.wire.payload;
    if (payload[0] !== flags.request) return false;
    if (packetText(payload[1]) === '*') {
      this.sendPeers(conn);
      return true;
    }
    return this.routed.handleRequest(msg, conn);
  }

  /** §1.3: follow the peer's compression list and answer with what we share; resend on request. */
  private handleRenegotiate(conn: Connection, wire: WireMessage): void {
    const [subFlag, list] = wire.payload;
    if (subFlag === flags.compression && Array.isArray(list)) {
      const methods = list.filter((m): m is number => typeof m === 'number');
      const changed = methods.length !== conn.compression.length || methods.some((m, i) => m !== conn.compression[i]);
      conn.renegotiated(methods);
      this.debug.print(2, () => `compression with ${conn} is now ${JSON.stringify(methods)}`);
      if (changed) conn.send(flags.renegotiate, flags.compression, intersectCompression(this.compression, methods));
    } else if (subFlag === flags.resend && conn.lastSent) {
      conn.sendMessage(conn.lastSent);
    }
  }

  // ---------------------------------------------------------------- peer management

  /**
   * Dials peers from the book while we have fewer than maxOutgoing outgoing connections. Returns
   * false when slots stay free with nobody left to try.
   */
  protected fillOutgoing(): boolean {
    if (this.closed) return true;
    const now = this.clock.now();
    // Random order, not most-recent-first: recent entries are our neighbours' neighbours, and
    // dialling only those clusters the mesh into islands that a few crashes cut apart.
    for (const [id, addr] of shuffled(this.random, this.book.candidates(now))) {
      if (this.outgoingCount >= this.maxOutgoing) return true;
      if (this.table.has(id) || this.dialing.has(id) || id === this.id) continue;
      const address = this.transport.addressFromWire(addr, id);
      if (address === undefined) continue;
      this.dialing.add(id);
      this.dial(address, id).then(
        () => this.dialing.delete(id),
        (error: unknown) => {
          this.dialing.delete(id);
          this.book.backOff(id, this.clock.now() + REDIAL_BACKOFF_MS);
          this.debug.print(1, () => `could not reach ${id}: ${String(error)}`);
        },
      );
    }
    return this.outgoingCount >= this.maxOutgoing;
  }

  /** Asks every neighbour for its peers (py2p's request_peers, after a departure). */
  requestPeers(): void {
    // '*' as bin: py2p compares it with b'*' (a str falls through to a route lookup that raises, and
    // py2p answers with renegotiate, §11); js2p and web2p read either type.
    for (const conn of this.table.values()) conn.send(flags.whisper, flags.request, PEER_REQUEST_ALL);
  }

  private maintain(): void {
    const now = this.clock.now();
    for (const conn of [...this.table.values(), ...this.awaiting]) {
      if (conn.reader.buffered > 0 && now - conn.lastDataAt > STALLED_FRAME_MS) {
        this.drop(conn, new TimeoutError(`stuck mid-frame for ${STALLED_FRAME_MS} ms`));
      }
    }
    // py2p sends peer lists only at handshakes, so a node that joined through a peer that was
    // itself still joining may know nobody else; ask the neighbours again now and then.
    if (!this.fillOutgoing() && this.table.size > 0 && now - this.lastPeerRequest >= PEER_REFRESH_MS) {
      this.lastPeerRequest = now;
      this.requestPeers();
    }
  }

  private clearHandshakeTimer(conn: Connection): void {
    const timer = this.handshakeTimers.get(conn);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.handshakeTimers.delete(conn);
  }

  /** Closes a connection because of something it did or failed to do. */
  private drop(conn: Connection, reason: Error): void {
    const pending = this.pendingConnects.get(conn);
    this.pendingConnects.delete(conn);
    pending?.reject(reason);
    conn.close();
    this.forget(conn, false);
  }

  private onLinkClosed(conn: Connection, error?: Error): void {
    const byUs = conn.closed;
    conn.closed = true;
    const pending = this.pendingConnects.get(conn);
    this.pendingConnects.delete(conn);
    // Only dialled links wait here, and they sent our handshake first. Upstream peers refuse a
    // handshake by hanging up: say so rather than only "closed".
    pending?.reject(new HandshakeRefusedError(String(conn), conn.id !== undefined, error));
    this.debug.print(1, () => `${conn} disconnected${error ? `: ${error.message}` : ''}`);
    this.forget(conn, !byUs);
  }

  /** Removes a closed connection from our tables; after an unexpected loss, asks for more peers. */
  private forget(conn: Connection, unexpected: boolean): void {
    this.clearHandshakeTimer(conn);
    this.awaiting.delete(conn);
    const id = conn.id;
    if (id === undefined || this.table.get(id) !== conn) return;
    this.table.delete(id);
    this.signals.forgetNeighbour(id);
    this.announceNeighbours();
    this.emitMesh('disconnect', id);
    this.onPeerGone(id);
    if (unexpected && !this.closed) {
      this.requestPeers();
      this.fillOutgoing();
    }
  }

  /** Chord tracks its ring here. */
  protected onPeerGone(_peerId: string): void {}

  // ---------------------------------------------------------------- sending

  /**
   * Sends `packets` to every peer in the routing table: `send(...packets, { flag, type })`. The
   * default is a broadcast that the whole mesh relays; `flag: flags.whisper` stays with neighbours.
   */
  send(...args: Array<OutgoingPacket | SendOptions>): void {
    const { packets, flag, type } = parseSendArgs(args);
    this.sendPayload(flag, [type, ...packets]);
  }

  /**
   * Sends `[flag, id, now, ...payload]` to every neighbour. `onSent` gets the message as it went
   * out: a broadcast may leave a second later than asked (see BroadcastOutbox), and sync must record
   * the timestamp its peers will see.
   */
  protected sendPayload(flag: number, payload: OutgoingPacket[], onSent?: (wire: WireMessage) => void): void {
    if (this.closed) throw new SocketClosedError();
    if (flag !== flags.broadcast) {
      const wire = createMessage(flag, this.id, this.nowSeconds(), payload, this.maxFrameBytes);
      for (const conn of this.table.values()) conn.sendMessage(wire);
      onSent?.(wire);
      return;
    }
    this.broadcasts.push(flag, payload, onSent);
  }

  /** §4.10: straight back to a neighbour, else find a route. */
  reply(msg: Message, packets: Packet[]): Promise<void> {
    const conn = this.table.get(msg.sender);
    if (conn) {
      conn.send(flags.whisper, flags.whisper, ...packets);
      return Promise.resolve();
    }
    return this.clock.whilePending(this.routed.send(msg.sender, packets, msg.wire.senderIsBin));
  }

  private routedRepliesHost(): RoutedRepliesHost {
    return {
      clock: () => this.clock,
      random: () => this.random,
      nowSeconds: () => this.nowSeconds(),
      table: () => this.table as ReadonlyMap<string, Connection>,
      broadcast: (payload: Packet[]) => this.sendPayload(flags.broadcast, payload),
      dial: (addr: WireAddress, peerId: string) => {
        const address = this.transport.addressFromWire(addr, peerId);
        if (address === undefined) return Promise.reject(new Web2pError(`cannot reach ${peerId} at ${addr.join(':')}`));
        return this.dial(address, peerId);
      },
      debug: this.debug,
    };
  }

  // ---------------------------------------------------------------- receiving API

  /** The oldest unclaimed message, or undefined. */
  recv(): Message | undefined;
  /** Up to `n` oldest unclaimed messages (py2p: `recv(1)` is a one-element array). */
  recv(n: number): Message[];
  recv(n?: number): Message | undefined | Message[] {
    return n === undefined ? this.inbox.take() : this.inbox.takeUpTo(n);
  }

  /** Resolves with the next unclaimed message (taking it off the queue). */
  nextMessage(): Promise<Message> {
    const next = this.inbox.next().then((msg) => msg ?? Promise.reject(new SocketClosedError()));
    return this.clock.whilePending(next);
  }

  /** Every unclaimed message as it arrives, until the socket closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (let msg = await this.inbox.next(); msg; msg = await this.inbox.next()) yield msg;
  }

  /**
   * Adds a handler after the built-ins (and earlier handlers). It must take exactly two parameters
   * `(msg, conn)`, as py2p requires; `fn.length` does not count rest or defaulted parameters.
   */
  registerHandler(handler: Handler): void {
    if (typeof handler !== 'function' || handler.length !== 2) {
      throw new TypeError(
        `a handler must be a function of exactly two parameters (msg, conn); this one takes ${typeof handler === 'function' ? handler.length : 'none'}`,
      );
    }
    this.handlers.push(handler);
  }

  /** Built-in handlers of this class and its subclasses, run before any user handler. */
  protected registerBuiltins(handlers: Handler[]): void {
    this.handlers.push(...handlers);
  }

  /** Emits one of the mesh's own events (subclasses add theirs through `Events`). */
  protected emitMesh<K extends keyof MeshEvents>(event: K, ...args: Parameters<MeshEvents[K]>): void {
    (this.emit as (event: K, ...args: Parameters<MeshEvents[K]>) => boolean)(event, ...args);
  }

  // ---------------------------------------------------------------- lifecycle

  /** The time in Unix seconds by this socket's clock (virtual in a simulation), as messages carry it. */
  nowSeconds(): number {
    return unixSeconds(this.clock);
  }

  /** Closes every connection and stops listening. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopMaintenance();
    this.broadcasts.close();
    this.routed.close();
    this.inbox.close();
    this.retiring.closeAll();
    for (const conn of [...this.table.values(), ...this.awaiting]) this.drop(conn, new SocketClosedError());
    await this.transport.close();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private fail(error: unknown): void {
    this.debug.print(0, () => `transport failed: ${String(error)}`);
    this.emitMesh('error', error instanceof Error ? error : new Web2pError(String(error)));
  }
}

function describe(wire: WireMessage): string {
  const kind = wire.type === flags.broadcast ? 'broadcast' : wire.type === flags.whisper ? 'whisper' : `type ${wire.type}`;
  return `${kind} ${wire.idHex.slice(0, 8)} [${wire.payload.map((p) => summarize(p)).join(', ')}]`;
}

function summarize(packet: Packet): string {
  if (typeof packet === 'string') return JSON.stringify(packet.length > 40 ? packet.slice(0, 40) + '…' : packet);
  if (packet instanceof Uint8Array) return `bin(${packet.length})`;
  if (Array.isArray(packet)) return `[${packet.length} items]`;
  if (packet !== null && typeof packet === 'object') return '{…}';
  return String(packet);
}
