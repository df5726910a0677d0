/**
 * MeshSocket: py2p's mesh (PROTOCOL.md §4) over any Transport. Every broadcast reaches every
 * participant once (the waterfall), whispers go to neighbours, replies find their way back to a
 * sender that is not a neighbour, and peers learned from peer lists keep the mesh connected.
 *
 * This class is the public face over the parts that do the work: the ConnectionManager (every
 * connection's life and the routing table, with the one dial registry), the Router (waterfall and
 * broadcasts), the Dispatcher (sub-flag to service, then user handlers, then recv()), and the
 * services (peer exchange, routed replies, signal relay, streams; sync and chord add theirs).
 */
import { RecvQueueOverflowError, SocketClosedError, StreamsNotEnabledError, Web2pError } from '../errors.js';
import { every, systemClock, unixSeconds, type Clock, type TimerHandle } from '../runtime/clock.js';
import { Deadlines, type DeadlineOptions } from '../runtime/deadlines.js';
import { Emitter } from '../runtime/emitter.js';
import { nodeIdOf, type Identity } from '../identity/keys.js';
import { whenReady, type MaybePromise } from '../identity/ed25519.js';
import { platformNodeIdOf } from '../identity/platform-node-id.js';
import type { StoredIdentity } from '../identity/stored-identity.js';
import { systemRandom, type Random } from '../runtime/random.js';
import { makeJoinProof } from '../signaling/join-proof.js';
import type { Transport } from '../transport/types.js';
import { SUPPORTED_COMPRESSION, namesCompression } from '../wire/compression.js';
import { loadCompression } from '../wire/compression-loader.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../wire/constants.js';
import { flags } from '../wire/flags.js';
import type { WireMessage } from '../wire/message.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import { Protocol } from '../wire/protocol.js';
import { asyncDigestFrom } from '../wire/message-hash.js';
import type { Connection } from './connection.js';
import { ConnectionManager } from './connection-manager.js';
import type { ConnectionRecord } from './connection-record.js';
import {
  DEFAULT_MAX_OUTGOING,
  IDENTITY_PROOF_MARKER,
  BOUND_PROOF_MARKER,
  MAINTENANCE_INTERVAL_MS,
  MAX_QUEUED_BYTES,
  NEIGHBOUR_UPDATES_MARKER,
  PEER_BOOK_SIZE,
  UNHASHED_WHISPERS_MARKER,
} from './constants.js';
import { DebugLog } from './debug.js';
import { SocketHealth, type SocketState } from './health.js';
import { Dispatcher, type Handler } from './dispatcher.js';
import { Inbox } from './inbox.js';
import { Members, type Member, type MemberMeta } from './members.js';
import { freshIdentity, storedIdentityOf, suppliedIdentity } from './socket-identity.js';
import { Message, type ReplyRouter } from './message.js';
import { encodeHandshake, isHandshake } from './messages.js';
import { PeerBook } from './peer-book.js';
import { resolveNodeLimits } from './node-limits.js';
import { PeerExchange } from './peer-exchange.js';
import { RequestResponse, type RequestOptions } from './request-response.js';
import { RoutedReplies } from './routed-replies.js';
import { RoutedSend } from './routed-send.js';
import { Router, describe } from './router.js';
import { SendBacklog } from './send-backlog.js';
import { parseRequestArgs, parseSendArgs, type SendOptions } from './send-args.js';
import type { MeshContext, Service } from './service.js';
import { SignalRelay } from './signal-relay.js';
import type { SocketStats, StatsSource } from './stats.js';
import type { StreamData } from './streams/stream-source.js';
import type { StreamService, SendStreamOptions } from './streams/stream-service.js';
import { StreamRefusal } from './streams/stream-refusal.js';

export type { Handler } from './dispatcher.js';
export type { MeshEvents, MeshSocketOptions, TrustMode } from './mesh-options.js';
export type { HealthEvents, SocketState } from './health.js';
export type { PeerStats, SocketStats } from './stats.js';
import type { MeshEvents, MeshSocketOptions, TrustMode } from './mesh-options.js';


/**
 * MeshSocket: py2p's mesh (PROTOCOL.md §4) over any Transport; see the top of this file.
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
  #identity: Identity | undefined;
  #id: string | undefined;
  /** Whom this socket lets in: 'strict' (the default) only peers that prove their id. */
  readonly trust: TrustMode;
  /** Auto-connecting from peer lists stops at this many outgoing connections. */
  readonly maxOutgoing: number;
  /** The compression methods this socket offers, in order of preference. */
  readonly compression: readonly number[];
  /**
   * Resolves once the transport accepts connections and `address` is known (a TCP listener on port
   * 0 learns its port only then); rejects if it cannot listen.
   */
  readonly listening: Promise<void>;
  /**
   * Resolves once the node's identity, and so `id`, is known: at once in Node and the simulator; in
   * browsers once WebCrypto has made the key pair (a MeshSocket without an `identity` option: await
   * it before reading `id`); with `persist`, once the store is read (SyncSocket's `ready` includes
   * this). It never rejects:
   * a store that cannot be read costs the node its old id (reported as 'error'), not its start.
   */
  readonly ready: Promise<void>;
  readonly #transport: Transport;
  readonly #clock: Clock;
  /** Neighbours whose arrival the services have yet to hear of (#peerUp), by id: the timer that tells them. */
  readonly #servicesPending = new Map<string, TimerHandle>();
  readonly #debug: DebugLog;
  readonly #wireProtocolId: string;
  readonly #connections: ConnectionManager;
  readonly #router: Router;
  readonly #dispatcher: Dispatcher;
  readonly #peers: PeerExchange;
  readonly #routed: RoutedReplies;
  readonly #members: Members;
  readonly #routedSend: RoutedSend;
  readonly #requests: RequestResponse;
  readonly #deadlines: Deadlines;
  /** Streams, when the socket was made with `streams: streams()` (web2p/streams). */
  readonly #streams: StreamService | undefined;
  /** The mesh's own services, then those the socket was given. */
  readonly #services: readonly Service[];
  readonly #added: readonly Service[];
  readonly #inbox: Inbox;
  readonly #health: SocketHealth;
  readonly #backlog: SendBacklog;
  #stopMaintenance: () => void = () => {};
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Whether the services started and the transport was asked to listen (once the key is known). */
  #started = false;
  /** Settles once the socket started, or could not (close() waits for it). */
  #starting: Promise<void>;

  /** `services` add behaviour on top of the mesh (SyncSocket and ChordSocket pass theirs). */
  constructor(options: MeshSocketOptions = {}, services: readonly Service[] = []) {
    super();
    const transport = options.transport ?? MeshSocket.defaultTransport?.(options);
    if (!transport) {
      throw new TypeError('MeshSocket needs a transport: pass { transport: net.transport() } from web2p/sim, or import web2p/node');
    }
    this.#transport = transport;
    const clock = (this.#clock = options.clock ?? transport.clock ?? systemClock);
    const random: Random = options.random ?? transport.random ?? systemRandom;
    let protocol = options.protocol ?? (this.constructor as typeof MeshSocket).defaultProtocol;
    for (const service of services) protocol = service.protocol?.(protocol) ?? protocol;
    this.protocol = protocol;
    this.#wireProtocolId = protocol.id + services.map((s) => s.protocolIdSuffix ?? '').join('');
    // With persist, the identity comes from the store: the socket starts once it is read. Without,
    // a fresh key pair: at once with a synchronous Ed25519 (Node, the simulator), once WebCrypto
    // answers in browsers (identity/ed25519.ts); `ready` waits for either.
    const stored = options.identity ? undefined : storedIdentityOf(services, protocol, () => freshIdentity(random));
    let identified: MaybePromise<void> = undefined;
    if (options.identity) {
      const { identity, checked } = suppliedIdentity(options.identity);
      this.#identify(identity, nodeIdOf(identity.publicKey, protocol.id));
      identified = checked;
    } else if (!stored) identified = this.#identifyFresh(random);
    this.trust = options.trust ?? 'strict';
    this.maxOutgoing = options.maxOutgoing ?? DEFAULT_MAX_OUTGOING;
    this.compression = options.compression ?? transport.compression ?? SUPPORTED_COMPRESSION;
    const debug = (this.#debug = new DebugLog(options.debugLevel ?? 0, () => this.#id?.slice(0, 8) ?? '…', options.log ?? console.log));
    this.#health = new SocketHealth({
      debug,
      rendezvous: transport.rendezvous === true,
      peerCount: () => this.#connections.routingTable.size,
      emit: (event, ...args) => this.#emit(event, ...args),
    });
    const neighbourUpdates = services.every((s) => s.tuning?.neighbourUpdates !== false);
    const book = new PeerBook(PEER_BOOK_SIZE);
    const socket = this;
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const limits = resolveNodeLimits(options.limits);
    const maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    const maxQueuedMessages = limits.maxQueuedMessages;
    this.#inbox = new Inbox({ messages: maxQueuedMessages, bytes: maxQueuedBytes }, (first) => {
      debug.print(1, () => `recv queue over ${maxQueuedMessages} messages or ${maxQueuedBytes} bytes: dropped the oldest message`);
      if (first) this.#emit('error', new RecvQueueOverflowError(maxQueuedMessages, maxQueuedBytes));
    });
    // Browsers hash large broadcasts' ids natively, asynchronously; Node and the simulator in JS or natively, synchronously.
    const digest = asyncDigestFrom(transport.messageDigest);
    let listening!: Promise<void>;
    this.#connections = new ConnectionManager({
      get id() {
        return socket.id;
      },
      get identity() {
        return socket.identity;
      },
      idProtocolId: protocol.id,
      random,
      trust: this.trust,
      clock,
      debug,
      transport,
      get listening() {
        return listening;
      },
      maxFrameBytes,
      limits,
      compression: this.compression,
      wireProtocolId: this.#wireProtocolId,
      encryption: protocol.encryption,
      book,
      nowSeconds: () => this.nowSeconds(),
      handshakePayload: (dialect) =>
        encodeHandshake(
          {
            id: socket.id,
            protocolId: this.#wireProtocolId,
            addr: transport.wireAddress(),
            compression: [...this.compression, IDENTITY_PROOF_MARKER, BOUND_PROOF_MARKER, ...(neighbourUpdates ? [NEIGHBOUR_UPDATES_MARKER] : []), UNHASHED_WHISPERS_MARKER],
          },
          dialect,
        ),
      traceSend: (record, message) => {
        this.#router.sent(message);
        if (debug.enabled(4)) debug.print(4, () => `sending ${describe(message)} to ${record}`);
      },
      onMessage: (record, wire) => this.#onMessage(record, wire),
      peerUp: (record, wasEmpty) => this.#peerUp(record, wasEmpty),
      peerDown: (peerId, unexpected) => this.#peerDown(peerId, unexpected),
      error: (error) => this.#emit('error', error),
      linkDrained: () => this.#backlog.progressed(),
      digest,
    });
    this.#router = new Router({
      get id() {
        return socket.id;
      },
      clock,
      debug,
      maxFrameBytes,
      maxSeenEntries: limits.maxSeenEntries,
      relayLimits: { perSecond: limits.relayMessagesPerSecond, burst: limits.relayMessageBurst },
      nowSeconds: () => this.nowSeconds(),
      open: () => this.#connections.open,
      maxHeldBroadcastBytes: limits.maxHeldBroadcastBytes,
      released: () => this.#backlog.progressed(),
      digest,
    });
    this.#backlog = new SendBacklog(
      {
        queues: () => this.#connections.queues(),
        heldBroadcastBytes: () => this.#router.heldBroadcastBytes,
        handedBytes: () => this.#connections.acceptedSendBytes + this.#router.pushedBroadcastBytes,
        drain: () => this.#emit('drain'),
      },
      limits.sendHighWaterBytes,
      limits.sendLowWaterBytes,
    );
    this.#dispatcher = new Dispatcher({
      debug,
      // Flowing mode, as Node streams: with 'message' listeners attached, a message stays queued
      // only while they run (py2p's idiom of calling recv() from the listener still gets it), so a
      // socket that only listens does not also fill the queue.
      unclaimed: (msg) => {
        const flowing = this.listenerCount('message') > 0;
        this.#inbox.put(msg);
        this.#emit('message', msg);
        if (flowing) this.#inbox.withdraw(msg);
      },
      error: (error) => this.#emit('error', error),
    });
    const table = this.#connections.routingTable;
    const signals = new SignalRelay({ get id() { return socket.id; }, routingTable: table, maxRoutes: limits.maxSignalRoutes, deliver: (from, data) => transport.onRelayedSignal?.(from, data), debug });
    this.#peers = new PeerExchange({
      get id() {
        return socket.id;
      },
      clock,
      random,
      debug,
      transport,
      maxOutgoing: this.maxOutgoing,
      connections: this.#connections,
      book,
      get closed() {
        return socket.#closed;
      },
      peerRequestIntervalMs: Math.max(0, ...services.map((s) => s.tuning?.peerRequestIntervalMs ?? 0)),
      heard: (neighbourId, peerIds) => signals.learn(neighbourId, peerIds),
    });
    this.#routed = new RoutedReplies({
      clock,
      random,
      debug,
      routingTable: table,
      nowSeconds: () => this.nowSeconds(),
      broadcast: (payload) => this.#router.send(flags.broadcast, payload),
      dial: (addr, peerId) => this.#dialPeer(addr, peerId),
      sendPeers: (conn) => this.#peers.sendPeers(conn),
    });
    // a route from members' heartbeats, else a web2p neighbour whose peer list names the target (a
    // py2p/js2p one would drop it; chord marks no neighbour as web2p, but its protocol admits no other)
    const throughWeb2p = (conn: Connection | undefined) => (conn && (conn.dialect.web2p || !neighbourUpdates) ? conn : undefined);
    const routedSend = (this.#routedSend = new RoutedSend({
      get id() {
        return socket.id;
      },
      debug,
      nextHop: (to) => this.#members.nextHop(to) ?? throughWeb2p(signals.neighbourOf(to)),
      forgetRoute: (to) => {
        this.#members.forgetRoute(to);
        signals.forget(to);
      },
      broadcast: (payload) => this.#router.send(flags.broadcast, payload),
    }));
    this.#members = new Members(routedSend, {
      ...options,
      heartbeats: options.memberHeartbeats ?? services.every((s) => s.tuning?.memberHeartbeats !== false),
    });
    this.#requests = new RequestResponse({
      clock,
      random,
      routed: routedSend,
      socket: this,
      nowSeconds: () => this.nowSeconds(),
      isWeb2p: (id) => this.#members.isWeb2p(id),
      deliver: (msg, conn) => this.#dispatcher.dispatch(msg, conn),
    });
    this.#deadlines = new Deadlines(clock);
    this.#added = services;
    const streams = (this.#streams = options.streams?.service(() => this.listenerCount('stream') > 0));
    const streaming = streams ? [streams.routes, streams] : [new StreamRefusal()];
    this.#services = [this.#peers, this.#routed, signals, routedSend, this.#members, this.#requests, ...streaming, ...services];
    for (const service of this.#services) this.#dispatcher.register(service);
    const start = (): Promise<void> => {
      this.#started = true;
      const context = this.#context(random, maxFrameBytes);
      for (const service of this.#services) service.start(context);
      this.#stopMaintenance = every(clock, MAINTENANCE_INTERVAL_MS, () => {
        this.#connections.dropStalled();
        this.#peers.maintain();
      });
      return transport.listen((link) => this.#connections.adopt(link), {
        id: this.id,
        relaySignal: (to, data) => signals.send(to, data),
        canRelaySignal: (to) => signals.reaches(to),
        proveJoin: (nonce) => makeJoinProof(this.identity, nonce, this.id, this.protocol.id),
        unreachable: (error) => this.#health.unreachable(error),
        rendezvous: (url, up, reason, retryInMs) => this.#health.rendezvous(url, up, reason, retryInMs),
      });
    };
    // A supplied key pair that does not match rejects `listening` (reported as 'error'), not `ready`.
    this.ready = stored ? this.#identifyFromStore(stored, random) : identified instanceof Promise ? identified.catch(() => undefined) : Promise.resolve();
    // A socket that offers compression loads the codec (fflate, a lazy chunk) before it listens, so
    // what it sends is compressed from the first message on. If the load fails, bodies go plain.
    const codec = namesCompression(this.compression) ? loadCompression().catch((error: unknown) => this.#emit('error', error as Error)) : undefined;
    const started = stored ? this.ready.then(start) : identified instanceof Promise ? identified.then(start) : start();
    this.#starting = started.then(
      () => undefined,
      () => undefined,
    );
    listening = this.listening = codec ? Promise.all([started, codec]).then(() => undefined) : started;
    this.listening.then(() => this.#health.listened(), () => undefined);
    this.listening.catch((error: unknown) => {
      // reported as 'error' too
      debug.print(0, () => `transport failed: ${String(error)}`);
      this.#emit('error', error instanceof Error ? error : new Web2pError(String(error)));
    });
  }

  /**
   * This node's id: base58, what peers and `msg.sender` call it, derived from `identity`'s public
   * key (and the protocol), so that only the holder of the secret key can connect as it. Known once
   * `ready` resolves (reading it earlier throws): at once in Node and the simulator, or with an
   * `identity` option; after WebCrypto made the key in browsers, or the store was read with `persist`.
   */
  get id(): string {
    if (this.#id === undefined) throw new Web2pError('the node id is not known yet (its key is being read from the store, or made by WebCrypto): await sock.ready first');
    return this.#id;
  }

  /** The Ed25519 key pair this node proves its id with (as `id`, known once `ready`). Its secretKey is as private as a password. */
  get identity(): Identity {
    if (this.#identity === undefined) throw new Web2pError('the identity is not known yet (read from the store, or made by WebCrypto): await sock.ready first');
    return this.#identity;
  }

  #identify(identity: Identity, id: string): void {
    this.#identity = identity;
    this.#id = id;
  }

  /** Takes `identity` once its id is hashed: at once, or by WebCrypto where the key came that way (platform-node-id.ts). */
  #identifyByPlatform(identity: Identity): MaybePromise<void> {
    return whenReady(platformNodeIdOf(identity.publicKey, this.protocol.id), (id) => this.#identify(identity, id));
  }

  /** A fresh key pair, taken as this node's. */
  #identifyFresh(random: Random): MaybePromise<void> {
    return whenReady(freshIdentity(random), (identity) => this.#identifyByPlatform(identity));
  }

  /** The stored identity, or a fresh one (reported) when the store fails. */
  #identifyFromStore(stored: Promise<StoredIdentity>, random: Random): Promise<void> {
    const report = (error: unknown): void => this.#emit('error', error instanceof Error ? error : new Web2pError(String(error)));
    return stored.then(
      ({ identity, error }) =>
        whenReady(this.#identifyByPlatform(identity), () => {
          if (error) report(error);
        }),
      () => {
        // The store could not be read: the service that owns it reports that (and rejects its
        // ready); the node carries on under a new id, as it carries on without its records.
        return this.#identifyFresh(random);
      },
    );
  }

  /** The transport this socket listens and dials on (its own events, such as WebRTC's 'unreachable', also reach the socket's). */
  get transport(): Transport {
    return this.#transport;
  }

  /** Where others can reach this node: 'sim://…', 'tcp://host:port', … */
  get address(): string {
    return this.#transport.address ?? '';
  }

  /** Peers whose handshake completed, by id. */
  get routingTable(): ReadonlyMap<string, Connection> {
    return this.#connections.routingTable;
  }

  /** Connections whose handshake has not arrived yet. */
  get awaitingIds(): readonly Connection[] {
    return this.#connections.awaitingViews;
  }

  /** Outgoing connections, open or being dialled (compared with `maxOutgoing`). */
  get outgoingCount(): number {
    return this.#connections.outgoingCount;
  }

  /**
   * 'connecting', 'joined-alone' (reachable, no peer yet), 'connected' (a peer in the routing table)
   * or 'closed'; the 'state' event tells each change. See SocketState for exactly when each holds.
   */
  get state(): SocketState {
    return this.#health.state;
  }

  /**
   * A snapshot of every peer in the routing table (its transport, route, round-trip time, bytes sent,
   * received and queued) with totals, the state and the signaling rooms joined. Asynchronous
   * because WebRTC engines report routes and round trips only through `getStats()`.
   */
  async stats(): Promise<SocketStats> {
    const health = this.#health;
    const connections = this.#connections;
    const source: StatsSource = { state: health.state, rooms: health.rooms, open: connections.open, address: this.address, throttling: (record) => connections.throttling(record), sendQueueTotalBytes: () => connections.sendQueueTotalBytes };
    // Loaded the first time an app asks: a bundle that never calls stats() leaves it out (issue 20).
    const { collectStats } = await import('./stats.js');
    return collectStats(source);
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** The time in Unix seconds by this socket's clock (virtual in a simulation), as messages carry it. */
  nowSeconds(): number {
    return unixSeconds(this.#clock);
  }

  /**
   * Connects to a peer and resolves once both ends hold the connection in their routing tables
   * (rejecting with ProtocolMismatchError when it speaks another protocol), or, for a rendezvous
   * address such as a signaling room, once registered there. `connect(host, port)` dials a
   * py2p-style address.
   */
  async connect(target: string, port?: number): Promise<void> {
    const address = port === undefined ? target : this.#transport.addressFromWire([target, port], '');
    if (address === undefined) throw new Web2pError(`this socket's transport cannot reach ${target}:${port}`);
    // The dial waits for the key pair; what of it needs no node id (a signaling WebSocket) starts now.
    if (!this.#started) this.#transport.preconnect?.(address);
    await this.#clock.whilePending(this.#connections.dials.dialAddress(address));
  }

  /**
   * Sends `packets` to every peer in the routing table: `send(...packets, { flag, type })`. The
   * default is a broadcast that the whole mesh relays; `flag: flags.whisper` stays with neighbours.
   * Returns false once the bytes held for peers (`bufferedAmount`) pass `sendHighWaterBytes`: the
   * message is queued all the same, but wait for 'drain' (or `whenWritable()`) before sending more,
   * as with Node's `stream.write()`. Broadcasts leave in the order they were sent; a repeat within
   * one second waits for the next (same id otherwise), and so do the broadcasts sent after it. In a
   * browser a large broadcast waits for its id to be hashed natively, and what is sent after it waits too.
   */
  send(...args: Array<OutgoingPacket | SendOptions>): boolean {
    const { packets, flag, type } = parseSendArgs(args);
    this.#sendPayload(flag, [type, ...packets]);
    return this.#backlog.afterSend();
  }

  /**
   * Bytes this socket holds for its peers and has not handed to the network: every link's queue
   * (on WebRTC, the data channel's buffer too) and broadcasts waiting for the next second. A
   * broadcast to four neighbours counts four times: each link holds it.
   */
  get bufferedAmount(): number {
    return this.#backlog.bytes;
  }

  /**
   * Resolves once `bufferedAmount` is at `mark` or below (default `sendLowWaterBytes`; marks under
   * 256 KiB count as 256 KiB, where WebRTC links report progress); at once if it already is.
   * Rejects with SocketClosedError if the socket closes first.
   */
  whenWritable(mark?: number): Promise<void> {
    return this.#clock.whilePending(this.#backlog.whenWritable(mark));
  }

  /**
   * Straight back to a neighbour; to a web2p member over the mesh route (no dial, PROTOCOL.md §14.9);
   * else §4.10's route probe (a py2p/js2p sender).
   */
  reply(msg: Message, packets: Packet[]): Promise<void> {
    const conn = this.routingTable.get(msg.sender);
    if (conn) {
      conn.send(flags.whisper, flags.whisper, ...packets);
      return Promise.resolve();
    }
    const overMesh = this.#requests.replyOverMesh(msg.sender, packets);
    if (overMesh) return this.#clock.whilePending(overMesh);
    return this.#clock.whilePending(this.#routed.send(msg.sender, packets, msg.wire.senderIsBin));
  }

  /**
   * Sends `packets` to node `to` and resolves with its answer, the message its handler passed to
   * `msg.reply(...)`: `request(to, ...packets, { timeoutMs, signal })`. `to` may be any member, not
   * only a neighbour: the request and its answer travel over the mesh route. Rejects with
   * TimeoutError (default 30 s), AbortError when `signal` fires, SocketClosedError on close().
   * Both ends must be web2p: py2p/js2p peers ignore requests.
   */
  request(to: string, ...args: Array<OutgoingPacket | RequestOptions>): Promise<Message> {
    const { packets, options } = parseRequestArgs(args);
    return this.#clock.whilePending(this.#requests.request(to, packets, options));
  }

  /**
   * Every node of the mesh known to be alive, this one excluded, by id: neighbours and nodes heard
   * of through others (PROTOCOL.md §14.8). py2p/js2p nodes appear only while they are neighbours.
   */
  get members(): ReadonlyMap<string, Member> {
    return this.#members.members;
  }

  /** This node's metadata as last given to setMeta(); `{}` before. */
  get meta(): MemberMeta {
    return this.#members.meta;
  }

  /**
   * Publishes this node's metadata (a display name, a status…) to every member, who see it as
   * `member.meta` and get a 'member-update' event. Throws MetaTooLargeError when its msgpack
   * encoding is over `maxMetaBytes` (1 KiB).
   */
  setMeta(meta: MemberMeta): void {
    this.#members.setMeta(meta);
  }

  /**
   * Resolves once at least `n` other members are known (default 1): `await sock.waitForPeers()`
   * after `connect()`. Rejects with TimeoutError after `timeoutMs` (default: none), AbortError when
   * `signal` fires, SocketClosedError on close().
   */
  waitForPeers(n = 1, options: DeadlineOptions = {}): Promise<void> {
    const { reached, cancel } = this.#members.whenAtLeast(n);
    return this.#clock.whilePending(this.#deadlines.race(reached, cancel, `${n} member(s)`, options));
  }

  /**
   * Sends `data` of any size to the node `to` as a stream: in chunks, never more than the receiver's
   * window ahead of its reader, straight to a neighbour or relayed along a path through the mesh.
   * The receiver gets a 'stream' event. Resolves once the receiver's reader took the last byte;
   * rejects with AbortError (`signal`), StreamCancelledError (the receiver cancelled),
   * StreamRefusedError, StreamUnreachableError, StreamPeerLeftError or TimeoutError. Needs the
   * socket made with `streams: streams()` (web2p/streams): without, it rejects with
   * StreamsNotEnabledError.
   */
  sendStream(to: string, data: StreamData, options: SendStreamOptions = {}): Promise<void> {
    if (!this.#streams) return Promise.reject(new StreamsNotEnabledError());
    return this.#clock.whilePending(this.#streams.send(to, data, options));
  }

  /** Asks every neighbour for its peers (py2p's request_peers, after a departure). */
  requestPeers(): void {
    this.#peers.requestPeers();
  }

  /** The oldest unclaimed message, or undefined. */
  recv(): Message | undefined;
  /** Up to `n` oldest unclaimed messages (py2p: `recv(1)` is a one-element array). */
  recv(n: number): Message[];
  recv(n?: number): Message | undefined | Message[] {
    return n === undefined ? this.#inbox.take() : this.#inbox.takeUpTo(n);
  }

  /**
   * Resolves with the next unclaimed message (taking it off the queue). Rejects with TimeoutError
   * after `timeoutMs` (default: none), AbortError when `signal` fires, SocketClosedError on close();
   * a message arriving after that stays queued for the next reader.
   */
  nextMessage(options: DeadlineOptions = {}): Promise<Message> {
    const { message, cancel } = this.#inbox.wait();
    const next = message.then((msg) => msg ?? Promise.reject(new SocketClosedError()));
    return this.#clock.whilePending(this.#deadlines.race(next, cancel, 'message', options));
  }

  /** Every unclaimed message as it arrives, until the socket closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (let msg = await this.#inbox.next(); msg; msg = await this.#inbox.next()) yield msg;
  }

  /**
   * Adds a handler for messages no service claims, after earlier handlers. It must take exactly two
   * parameters `(msg, conn)`, as py2p requires; `fn.length` does not count rest or defaulted parameters.
   */
  registerHandler(handler: Handler): void {
    this.#dispatcher.addHandler(handler);
  }

  /**
   * Closes every connection and stops listening. Services finish first (a chord node hands its keys
   * on while the mesh is still up). Calling it again does nothing.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#health.closed();
    // Not started yet (its key is still being made or read): once it has, or without its services if it never will.
    if (!this.#started) return (this.#closing = this.#starting.then(() => (this.#started ? this.#stop() : this.#shutdown())));
    return (this.#closing = this.#stop());
  }

  #stop(): Promise<void> {
    const stopping = this.#services.map((service) => service.stop?.()).filter((result) => result instanceof Promise);
    return stopping.length === 0 ? this.#shutdown() : this.#clock.whilePending(Promise.all(stopping)).then(() => this.#shutdown());
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#stopMaintenance();
    this.#router.close();
    this.#backlog.close();
    this.#inbox.close();
    this.#deadlines.close();
    this.#connections.close();
    await this.#transport.close();
    for (const service of this.#services) await service.closed?.();
  }

  // ---------------------------------------------------------------- the parts, wired

  #onMessage(record: ConnectionRecord, wire: WireMessage): void {
    if (this.#debug.enabled(1)) this.#debug.print(1, () => `received ${describe(wire)} from ${record}`);
    if (wire.type === flags.broadcast && !this.#router.waterfall(wire, record, () => this.#dispatcher.vet(new Message(wire, this), record.view))) return;
    if (isHandshake(wire.payload)) this.#connections.handshake(record, wire.payload, wire.time);
    else this.#dispatcher.dispatch(new Message(wire, this), record.view);
  }

  #peerUp(record: ConnectionRecord, wasEmpty: boolean): void {
    this.#health.peersChanged();
    if (wasEmpty) this.#emit('connect');
    const id = record.id!;
    this.#emit('peer', id, record.view);
    // The services' link-up messages (peer list, member beat, sync's data) go in a task of their
    // own, after what the app sends on 'peer', so the peer reads the app's first message ahead of
    // them: on a cold page they took the dialler 2-11 ms (bench:browser timelines, issue 20).
    const pending = this.#clock.setTimeout(() => {
      this.#servicesPending.delete(id);
      // Peer exchange first: a new neighbour gets our peer list before any service's data (§6.4).
      // The connection is the routing table's (a double-dial conflict may have replaced the
      // record); the peer is still in it, as leaving cancels this timer (#peerDown), closing too.
      const conn = this.routingTable.get(id)!;
      for (const service of this.#services) service.peerUp?.(conn);
    }, 0);
    this.#servicesPending.set(id, pending);
  }

  /** Cancels the services' pending news of `peerId`'s arrival (#peerUp); whether there was one. */
  #cancelServicesPeerUp(peerId: string): boolean {
    const pending = this.#servicesPending.get(peerId);
    if (pending === undefined) return false;
    this.#clock.clearTimeout(pending);
    this.#servicesPending.delete(peerId);
    return true;
  }

  #peerDown(peerId: string, unexpected: boolean): void {
    this.#health.peersChanged();
    // Services hear of a peer's departure only if they heard of its arrival (#peerUp).
    const told = !this.#cancelServicesPeerUp(peerId);
    const own = this.#services.slice(0, this.#services.length - this.#added.length);
    if (told) for (const service of own) service.peerDown?.(peerId);
    this.#emit('disconnect', peerId);
    if (told) for (const service of this.#added) service.peerDown?.(peerId);
    this.#backlog.progressed(); // its link's bytes are no longer held
    if (unexpected && !this.#closed) this.#peers.lost();
  }

  #sendPayload(flag: number, payload: readonly OutgoingPacket[], onSent?: (wire: WireMessage) => void): void {
    if (this.#closed) throw new SocketClosedError();
    this.#router.send(flag, payload, onSent);
  }

  #dialPeer(addr: readonly [string, number], peerId: string): Promise<Connection | undefined> {
    const address = this.#transport.addressFromWire([...addr], peerId);
    if (address === undefined) return Promise.reject(new Web2pError(`cannot reach ${peerId} at ${addr.join(':')}`));
    return this.#connections.dials.dialPeer(address, peerId, false).then((record) => record?.view);
  }

  /** Emits one of the mesh's own events (services emit theirs through their context). */
  #emit<K extends keyof MeshEvents>(event: K, ...args: Parameters<MeshEvents[K]>): void {
    (this.emit as (event: K, ...args: Parameters<MeshEvents[K]>) => boolean)(event, ...args);
  }

  #context(random: Random, maxFrameBytes: number): MeshContext {
    const socket = this;
    return {
      id: this.id,
      identity: this.identity,
      trust: this.trust,
      protocol: this.protocol,
      wireProtocolId: this.#wireProtocolId,
      clock: this.#clock,
      random,
      debug: this.#debug,
      maxFrameBytes,
      routingTable: this.#connections.routingTable,
      get closed() {
        return socket.#closed;
      },
      nowSeconds: () => this.nowSeconds(),
      wireAddress: () => this.#transport.wireAddress(),
      sendPayload: (flag, payload, onSent) => this.#sendPayload(flag, payload, onSent),
      dial: (addr, peerId) => this.#dialPeer(addr, peerId),
      routed: this.#routedSend,
      requestPeers: () => this.requestPeers(),
      mayAnswer: (conn, bytes) => this.#connections.mayAnswer(conn, bytes),
      emit: (event, ...args) => (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args),
      reportError: (error, context) => {
        this.#debug.print(0, () => `${context}: ${String(error)}`);
        this.#emit('error', error instanceof Error ? error : new Web2pError(String(error)));
      },
    };
  }
}
