/**
 * The WebRTC transport: browser peers (and Node peers through node-datachannel) meet in a room of a
 * signaling server, then reach one another by id. A signal goes through the server when the target
 * is in a room we joined, else through the mesh (a neighbour that listed the target relays it), so
 * a node keeps finding peers after the server goes away.
 *
 * Addresses: `ws://host:port/<room>` (or wss) is a rendezvous: dialling it joins the room and
 * resolves `null`; the links it brings arrive through `onLink`. `webrtc:<id>` is one peer.
 */
import { ConnectionClosedError, PeerUnreachableError, TimeoutError, Web2pError, WebRtcHandshakeError, type UnreachableReason } from '../../errors.js';
import { BoundedSet } from '../../runtime/bounded-set.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';
import { Emitter } from '../../runtime/emitter.js';
import { shuffled, systemRandom, type Random } from '../../runtime/random.js';
import { toHex } from '../../wire/packet.js';
import type { Link, LocalNode, SignalData, Transport, WireAddress } from '../types.js';
import {
  DISCONNECTED_GRACE_MS,
  HANDSHAKE_RETRIES,
  DTLS_RACE_RETRIES,
  MAX_DEPARTED_MEMBERS,
  MAX_UNREACHABLE_PEERS,
  ROOM_OFFER_LIMIT,
  SESSION_ID_BYTES,
  UNREACHABLE_RETRY_BASE_MS,
  UNREACHABLE_RETRY_MAX_MS,
} from './constants.js';
import type { DataChannelLink } from './datachannel-link.js';
import { startEarlyOffer, type EarlyOffer } from './early-offer.js';
import { openPeerConnection, type PeerConnectionAttempt, type RTCPeerConnectionConstructor, type Signal } from './peer-connection.js';
import { PreopenedWebSocket } from './preopened-websocket.js';
import type { IceServer, RtcConfiguration } from './rtc-types.js';
import { parseEnvelope, wrapSignal } from './signal-envelope.js';
import { SignalingClient, type SignalingClientOptions, type WebSocketConstructor, type WebSocketLike } from './signaling-client.js';
import type { AsyncMessageHash } from '../../wire/message-hash.js';

/** Options of `new WebRtcTransport(options)`; in Node, `nodeWebRtcTransport(options)` fills in the constructors. */
export interface WebRtcTransportOptions {
  /** The browser's global, or node-datachannel's polyfill (web2p/node passes it). */
  RTCPeerConnection: RTCPeerConnectionConstructor;
  /** The browser's global, or `ws`'s (web2p/node passes it). */
  WebSocket: WebSocketConstructor;
  /**
   * STUN/TURN servers. Default: the ones the signaling server hands out (`web2p-signal --stun/--turn`),
   * else none, which is enough on one network.
   */
  iceServers?: IceServer[];
  /**
   * Any other RTCConfiguration for every peer connection, e.g. `{ iceTransportPolicy: 'relay' }`;
   * its `iceServers`, if given, count as the option above.
   */
  rtcConfiguration?: RtcConfiguration;
  clock?: Clock;
  random?: Random;
  /** Defaults in constants.ts. */
  roomOfferLimit?: number;
  disconnectedGraceMs?: number;
  connectTimeoutMs?: number;
  /** Reconnection and join timings of the signaling clients. */
  signaling?: Pick<SignalingClientOptions, 'reconnectBaseMs' | 'reconnectMaxMs' | 'joinTimeoutMs' | 'idTakenRetryMs'>;
  /** The platform's async native SHA-256, for large broadcasts (Transport.messageDigest); browsers pass crypto.subtle's. */
  messageDigest?: AsyncMessageHash;
}

export type WebRtcTransportEvents = {
  /**
   * Every attempt to reach a peer failed: `error.reason` says why, its message what to do, and
   * `error.retryInMs` when the transport tries again (room members) or lets a dial through.
   */
  unreachable: (error: PeerUnreachableError) => void;
};

/** A peer every attempt failed to reach: when it may be tried again, and the timer that re-offers it. */
interface Backoff {
  failures: number;
  reason: UnreachableReason;
  retryAt: number;
  timer: TimerHandle | undefined;
}

/** What this transport advertises in peer lists: "reach me by my id". */
const WIRE_HOST = 'webrtc';
const PEER_PREFIX = 'webrtc:';

/** A dial waiting for a connection to open. */
interface Claim {
  resolve(link: Link): void;
  reject(error: Error): void;
}

/** One peer-connection attempt with one peer, and then its link. At most one per peer is current. */
/** Fresh attempts a session may still make after a failed one: any retriable failure, and DTLS races alone. */
interface Retries {
  /** HANDSHAKE_RETRIES at first. */
  handshake: number;
  /** DTLS_RACE_RETRIES at first, spent before `handshake` on a failed DTLS handshake. */
  dtlsRace: number;
}
const FRESH_RETRIES: Readonly<Retries> = { handshake: HANDSHAKE_RETRIES, dtlsRace: DTLS_RACE_RETRIES };
/** For a peer that was unreachable before (see #open). */
const NO_RETRIES: Readonly<Retries> = { handshake: 0, dtlsRace: 0 };

interface Session {
  readonly peerId: string;
  readonly id: string;
  readonly initiator: boolean;
  attempt: PeerConnectionAttempt;
  link: DataChannelLink | undefined;
  /** Without a claim, the opened link goes to `onLink`. */
  claim: Claim | undefined;
  graceTimer: TimerHandle | undefined;
  /** Fresh attempts still allowed after a failed handshake (we initiated it). */
  retries: Retries;
  /** Offered because the room introduced us: if it fails for good, another member is offered instead. */
  fromRoom: boolean;
}

export class WebRtcTransport extends Emitter<WebRtcTransportEvents> implements Transport {
  /** WebRTC peers are web2p peers: compression would only cost CPU. */
  readonly compression: readonly number[] = [];
  /** Peers find us only through the signaling rooms we joined. */
  readonly rendezvous = true;
  readonly messageDigest: AsyncMessageHash | undefined;
  readonly #options: WebRtcTransportOptions;
  readonly #clock: Clock;
  readonly #random: Random;
  #onLink: ((link: Link) => void) | undefined;
  #local: LocalNode | undefined;
  #closed = false;
  readonly #rooms = new Map<string, SignalingClient>();
  readonly #sessions = new Map<string, Session>();
  /**
   * Members of the last room introduction not offered yet, in random order: each room offer that
   * fails for good is replaced by one of these, so members that never answer (sybils, dead tabs)
   * cannot isolate a newcomer that happened to pick them.
   */
  #roomStandby: string[] = [];
  /** The ICE servers the signaling server handed out last (with fresh TURN credentials). */
  #serverIceServers: IceServer[] = [];
  /**
   * Members a room of ours said left and no room of ours lists now: a dial to one of them is
   * refused before it builds a connection, unless a neighbour can carry its signals.
   */
  readonly #departed = new BoundedSet<string>(MAX_DEPARTED_MEMBERS);
  /** Peers every attempt failed to reach, oldest first: retried with capped exponential backoff. */
  readonly #unreachable = new Map<string, Backoff>();
  /** Offers made while a room's first join is in flight, by room URL, for the first member it introduces. */
  readonly #earlyOffers = new Map<string, EarlyOffer>();
  /** Signaling WebSockets opened before listen() (preconnect), by room URL, for that room's join. */
  readonly #preopened = new Map<string, PreopenedWebSocket>();

  constructor(options: WebRtcTransportOptions) {
    super();
    this.#options = options;
    this.messageDigest = options.messageDigest;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
  }

  get address(): string | undefined {
    return this.#local && PEER_PREFIX + this.#local.id;
  }

  /** The signaling clients of the rooms dialled, by URL (for status displays and tests). */
  get rooms(): ReadonlyMap<string, SignalingClient> {
    return this.#rooms;
  }

  async listen(onLink: (link: Link) => void, local: LocalNode): Promise<void> {
    this.#onLink = onLink;
    this.#local = local;
  }

  dial(address: string): Promise<Link | null> {
    const local = this.#local;
    if (this.#closed) return Promise.reject(new ConnectionClosedError('this WebRTC transport is closed'));
    if (!local) return Promise.reject(new Web2pError('listen() before dial(): the transport needs our node id'));
    if (/^wss?:\/\//.test(address)) return this.#joinRoom(address, local).then(() => null);
    if (address.startsWith(PEER_PREFIX) && address.length > PEER_PREFIX.length) {
      return this.#dialPeer(address.slice(PEER_PREFIX.length), local);
    }
    return Promise.reject(
      new Web2pError(`WebRtcTransport cannot dial ${address}: use ws://host:port/<room> (or wss://) or webrtc:<node id>`),
    );
  }

  wireAddress(): WireAddress {
    return [WIRE_HOST, 0];
  }

  addressFromWire([host]: WireAddress, peerId: string): string | undefined {
    return host === WIRE_HOST && peerId !== '' ? PEER_PREFIX + peerId : undefined;
  }

  onRelayedSignal(from: string, data: SignalData): void {
    this.#receiveSignal(from, data);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
    for (const early of this.#earlyOffers.values()) early.attempt.abort(new ConnectionClosedError('the WebRTC transport was closed'));
    this.#earlyOffers.clear();
    for (const socket of this.#preopened.values()) socket.close();
    this.#preopened.clear();
    for (const session of [...this.#sessions.values()]) this.#end(session, new ConnectionClosedError('the WebRTC transport was closed'));
    for (const backoff of this.#unreachable.values()) this.#clearTimer(backoff.timer);
    this.#unreachable.clear();
    this.#onLink = undefined;
  }

  // ---------------------------------------------------------------- rooms

  #joinRoom(url: string, local: LocalNode): Promise<void> {
    const existing = this.#rooms.get(url);
    if (existing) return existing.start();
    const room = new SignalingClient({
      ...this.#options.signaling,
      url,
      id: local.id,
      ...(local.proveJoin && { proveJoin: (nonce: string) => local.proveJoin!(nonce) }),
      WebSocket: this.#options.WebSocket,
      firstSocket: this.#takePreopened(url),
      clock: this.#clock,
      random: this.#random,
    });
    this.#rooms.set(url, room);
    room.on('ice', (servers) => (this.#serverIceServers = servers));
    this.#startEarlyOffer(url);
    room.on('peers', (ids) => {
      for (const id of ids) this.#departed.delete(id);
      local.rendezvous?.(url, true);
      this.#offerToRoom(ids, this.#takeEarlyOffer(url));
    });
    room.on('disconnected', (retryInMs, reason) => local.rendezvous?.(url, false, reason, retryInMs));
    room.on('signal', (from, data) => this.#receiveSignal(from, data));
    // A page that closed or crashed leaves the room at once; a page that only lost the server answers.
    room.on('left', (id) => this.#memberLeft(id));
    room.on('joined', (id) => this.#departed.delete(id));
    return room.start().catch((error: unknown) => {
      if (this.#rooms.get(url) === room) this.#rooms.delete(url);
      this.#takeEarlyOffer(url)?.attempt.abort(new ConnectionClosedError(`the join of ${url} failed`));
      throw error;
    });
  }

  /**
   * The offer for the room's first introduction, made while the join is in flight (early-offer.ts
   * says when that is allowed): 20-50 ms of the first connection's setup overlap the join.
   */
  #startEarlyOffer(url: string): void {
    const { iceServers, rtcConfiguration } = this.#options;
    if ((iceServers ?? rtcConfiguration?.iceServers) === undefined) return;
    this.#earlyOffers.set(
      url,
      startEarlyOffer({
        RTCPeerConnection: this.#options.RTCPeerConnection,
        configuration: this.#rtcConfiguration(),
        clock: this.#clock,
        timeoutMs: this.#options.connectTimeoutMs,
      }),
    );
  }

  /** Opens a signaling room's WebSocket while the key pair its join needs is being made (preopened-websocket.ts). */
  preconnect(address: string): void {
    if (this.#closed || this.#local || !/^wss?:\/\//.test(address) || this.#preopened.get(address)?.usable) return;
    try {
      this.#preopened.set(address, new PreopenedWebSocket(this.#options.WebSocket, address, this.#clock));
    } catch {
      // A URL the WebSocket refuses: the join opens its own, and reports why it cannot.
    }
  }

  /** The room's pre-opened socket, if it is still open. */
  #takePreopened(url: string): WebSocketLike | undefined {
    const socket = this.#preopened.get(url);
    this.#preopened.delete(url);
    return socket?.usable ? socket.takeOver() : undefined;
  }

  #takeEarlyOffer(url: string): EarlyOffer | undefined {
    const early = this.#earlyOffers.get(url);
    this.#earlyOffers.delete(url);
    return early;
  }

  /**
   * Member `id` left a room of ours. An open link is probed (a page that only lost the server still
   * answers). An offer of ours not yet connected went to the connection that left, unless the member
   * is still in another room of ours: then it can never connect, and while it stands the glare rule
   * would ignore the offer the member makes when it comes back (a reloaded page keeps its id), so it
   * ends now. A member in no room of ours is remembered as departed (see #dialPeer).
   */
  #memberLeft(id: string): void {
    const session = this.#sessions.get(id);
    const inRoom = this.#inRoom(id);
    if (session?.link) session.link.probe();
    else if (session?.initiator && !inRoom) {
      this.#end(session, new ConnectionClosedError(`${id} left the signaling room before our WebRTC connection to it opened`));
    }
    if (!inRoom) this.#departed.add(id);
  }

  /**
   * PROTOCOL.md's suggested use: whoever (re)joins offers to members it has no connection with;
   * members wait for the offer. A few at random, the rest are learned through peer exchange.
   */
  #offerToRoom(ids: readonly string[], early: EarlyOffer | undefined): void {
    const strangers = shuffled(this.#random, ids.filter((id) => !this.#current(id)));
    const limit = this.#options.roomOfferLimit ?? ROOM_OFFER_LIMIT;
    this.#roomStandby = strangers.slice(limit);
    for (const id of strangers.slice(0, limit)) {
      this.#open(id, true, this.#newSessionId(), undefined, { early }).fromRoom = true;
      early = undefined;
    }
    early?.attempt.abort(new ConnectionClosedError('the room introduced nobody to offer to'));
  }

  /** A room offer failed for good: offer to the next member of the introduction we have not tried. */
  #offerToNextStranger(): void {
    for (let id = this.#roomStandby.shift(); id !== undefined && !this.#closed; id = this.#roomStandby.shift()) {
      if (this.#current(id)) continue;
      this.#open(id, true, this.#newSessionId(), undefined).fromRoom = true;
      return;
    }
  }

  // ---------------------------------------------------------------- peers

  #dialPeer(peerId: string, local: LocalNode): Promise<Link | null> {
    if (peerId === local.id) return Promise.reject(new Web2pError('cannot dial ourselves'));
    const current = this.#current(peerId);
    // Already linked (the room or the peer got there first): that link went to onLink.
    if (current?.link) return Promise.resolve(null);
    if (current?.claim) {
      return Promise.reject(new Web2pError(`already connecting to ${peerId} through WebRTC`));
    }
    // A peer that could not be reached is not dialled again before its backoff is over.
    const backoff = this.#unreachable.get(peerId);
    const waitMs = backoff ? backoff.retryAt - this.#clock.now() : 0;
    if (!current && backoff && waitMs > 0) return Promise.reject(new PeerUnreachableError(peerId, backoff.reason, waitMs));
    // A member that left, which no neighbour lists: its offer would have no way out. (A peer the
    // room has not announced yet is dialled: its offer takes long enough for the announcement.)
    if (!current && this.#departed.has(peerId) && local.canRelaySignal?.(peerId) === false) {
      return Promise.reject(noSignalRoute(peerId));
    }
    return new Promise<Link | null>((resolve, reject) => {
      const claim = { resolve, reject };
      // A connection the room started (or the peer offered) is taken over rather than doubled.
      if (current) current.claim = claim;
      else this.#open(peerId, true, this.#newSessionId(), claim);
    });
  }

  /** The live session with `peerId`, forgetting one whose connection has ended. */
  #current(peerId: string): Session | undefined {
    const session = this.#sessions.get(peerId);
    if (!session) return undefined;
    const state = session.link?.peerConnection.connectionState;
    // Browsers fire no event when the link closes its own connection: look at its state.
    if (state === 'closed' || state === 'failed') {
      this.#end(session, new ConnectionClosedError(`the WebRTC connection to ${peerId} ${state}`));
      return undefined;
    }
    return session;
  }

  /** A peer that was unreachable before gets one try per backoff round, not a burst of retries. */
  #open(
    peerId: string,
    initiator: boolean,
    sessionId: string,
    claim: Claim | undefined,
    { retries = this.#unreachable.has(peerId) ? NO_RETRIES : FRESH_RETRIES, early }: { retries?: Retries; early?: EarlyOffer | undefined } = {},
  ): Session {
    const sendSignal = (signal: Signal): void => this.#sendSignal(peerId, wrapSignal(sessionId, signal));
    const attempt =
      early?.bind(peerId, PEER_PREFIX + peerId, sendSignal) ??
      openPeerConnection({
        RTCPeerConnection: this.#options.RTCPeerConnection,
        configuration: this.#rtcConfiguration(),
        initiator,
        sendSignal,
        clock: this.#clock,
        timeoutMs: this.#options.connectTimeoutMs,
        remoteAddress: PEER_PREFIX + peerId,
        peerId,
      });
    const session: Session = { peerId, id: sessionId, initiator, attempt, link: undefined, claim, graceTimer: undefined, retries, fromRoom: false };
    this.#sessions.set(peerId, session);
    attempt.link.then(
      (link) => this.#opened(session, link),
      (error: unknown) => {
        if (this.#retry(session, error)) return;
        let reason = error instanceof Error ? error : new ConnectionClosedError(String(error));
        const failure = session.attempt.failure;
        // The offerer keeps the peer's backoff; the answerer has told it (a `failed` signal).
        if (session.initiator && failure && this.#sessions.get(peerId) === session && !this.#closed) {
          reason = this.#markUnreachable(peerId, failure);
        }
        this.#end(session, reason);
        if (session.fromRoom) this.#offerToNextStranger();
      },
    );
    return session;
  }

  /**
   * Starts a fresh attempt at once (a new session and offer, which the peer follows) when one we
   * initiated failed in ICE or DTLS, or the peer reported its side failed, or it timed out after the
   * peer answered. An offer never answered, refused TURN credentials, an abort or a missing route
   * are not retried at once: the first three go to the backoff.
   *
   * An attempt we answered is retried the same way when a dial of ours waits on it: the other side
   * of a glare (both dialled at once), whose dial yielded to the peer's offer. Failing that dial
   * would fail a caller whose connection the peer is about to retry; offering again instead meets
   * the peer's retry in a fresh glare, which settles on one connection and hands it the dial.
   */
  #retry(session: Session, error: unknown): boolean {
    const current = this.#sessions.get(session.peerId) === session;
    const retriable =
      (error instanceof WebRtcHandshakeError || (error instanceof TimeoutError && session.attempt.answered)) &&
      session.attempt.failure !== 'turn-auth-failed';
    const ours = session.initiator || session.claim !== undefined;
    // A failed DTLS handshake spends its own budget first (DTLS_RACE_RETRIES), then the common one.
    const { handshake, dtlsRace } = session.retries;
    const raced = session.attempt.failure === 'dtls-failed' && dtlsRace > 0;
    if (!retriable || !ours || !current || this.#closed || (handshake === 0 && !raced)) {
      return false;
    }
    this.#sessions.delete(session.peerId);
    const retries = raced ? { handshake, dtlsRace: dtlsRace - 1 } : { handshake: handshake - 1, dtlsRace };
    this.#open(session.peerId, true, this.#newSessionId(), session.claim, { retries }).fromRoom = session.fromRoom;
    return true;
  }

  /**
   * Remembers that `peerId` could not be reached and when to try again (capped exponential backoff),
   * re-offers it then if it is still in one of our rooms, and tells listeners.
   */
  #markUnreachable(peerId: string, reason: UnreachableReason): PeerUnreachableError {
    const backoff = this.#unreachable.get(peerId) ?? { failures: 0, reason, retryAt: 0, timer: undefined };
    this.#unreachable.delete(peerId); // re-inserted last: the map stays oldest first
    if (this.#unreachable.size >= MAX_UNREACHABLE_PEERS) this.#forget(this.#unreachable.keys().next().value!);
    const waitMs = Math.min(UNREACHABLE_RETRY_MAX_MS, UNREACHABLE_RETRY_BASE_MS * 2 ** backoff.failures);
    backoff.failures += 1;
    backoff.reason = reason;
    backoff.retryAt = this.#clock.now() + waitMs;
    this.#clearTimer(backoff.timer);
    backoff.timer = this.#clock.setTimeout(() => {
      backoff.timer = undefined;
      if (!this.#closed && !this.#current(peerId) && this.#inRoom(peerId)) this.#open(peerId, true, this.#newSessionId(), undefined);
    }, waitMs);
    this.#unreachable.set(peerId, backoff);
    const error = new PeerUnreachableError(peerId, reason, waitMs);
    this.emit('unreachable', error);
    this.#local?.unreachable?.(error);
    return error;
  }

  #forget(peerId: string): void {
    this.#clearTimer(this.#unreachable.get(peerId)?.timer);
    this.#unreachable.delete(peerId);
  }

  #inRoom(peerId: string): boolean {
    for (const room of this.#rooms.values()) if (room.members.has(peerId)) return true;
    return false;
  }

  #clearTimer(timer: TimerHandle | undefined): void {
    if (timer !== undefined) this.#clock.clearTimeout(timer);
  }

  #opened(session: Session, link: DataChannelLink): void {
    if (this.#closed || this.#sessions.get(session.peerId) !== session) {
      // Replaced while its channel was opening: the replacement carries on.
      link.close();
      return;
    }
    this.#forget(session.peerId);
    session.link = link;
    this.#watch(session, link);
    const claim = session.claim;
    session.claim = undefined;
    if (claim) claim.resolve(link);
    else this.#onLink?.(link);
  }

  /**
   * Closes a link whose connection stays `disconnected`: ICE consent checks fail when the other page
   * closed without a goodbye, and without this the link would wait for ICE's own, much later, verdict.
   */
  #watch(session: Session, link: DataChannelLink): void {
    const pc = link.peerConnection;
    const graceMs = this.#options.disconnectedGraceMs ?? DISCONNECTED_GRACE_MS;
    pc.addEventListener('connectionstatechange', () => {
      const state = pc.connectionState;
      if (state === 'disconnected' && session.graceTimer === undefined) {
        session.graceTimer = this.#clock.setTimeout(() => {
          session.graceTimer = undefined;
          if (pc.connectionState !== 'connected') link.close();
        }, graceMs);
      } else if (state === 'connected') {
        this.#clearGrace(session);
      } else if (state === 'closed' || state === 'failed') {
        this.#end(session, new ConnectionClosedError(`the WebRTC connection to ${session.peerId} ${state}`));
      }
    });
  }

  /** Stops and forgets a session: a waiting dial fails with `reason`; an open link is closed. */
  #end(session: Session, reason: Error): void {
    if (this.#sessions.get(session.peerId) === session) this.#sessions.delete(session.peerId);
    this.#clearGrace(session);
    const claim = session.claim;
    session.claim = undefined;
    claim?.reject(reason);
    if (session.link) session.link.close();
    else session.attempt.abort(reason);
  }

  #clearGrace(session: Session): void {
    if (session.graceTimer !== undefined) this.#clock.clearTimeout(session.graceTimer);
    session.graceTimer = undefined;
  }

  /** Ours, with the ICE servers we were given, else the signaling server's. */
  #rtcConfiguration(): RtcConfiguration {
    const { iceServers, rtcConfiguration } = this.#options;
    return { ...rtcConfiguration, iceServers: iceServers ?? rtcConfiguration?.iceServers ?? this.#serverIceServers };
  }

  // ---------------------------------------------------------------- signals

  /** Through a room the peer is in, else through the mesh; throwing fails the attempt. */
  #sendSignal(to: string, data: SignalData): void {
    for (const room of this.#rooms.values()) if (room.send(to, data)) return;
    if (this.#local?.relaySignal(to, data)) return;
    throw noSignalRoute(to);
  }

  #receiveSignal(from: string, data: unknown): void {
    const local = this.#local;
    const envelope = parseEnvelope(data);
    if (this.#closed || !local || !envelope || from === local.id) return;
    const { session: sessionId, signal } = envelope;
    const current = this.#current(from);
    if (current?.id === sessionId) {
      current.attempt.signal(signal);
      return;
    }
    // Anything but an offer belongs to an attempt that was replaced or given up.
    if (signal.type !== 'offer') return;
    let claim: Claim | undefined;
    if (current) {
      // Glare: both sides offered at once. The smaller id's offer wins on both sides.
      if (current.initiator && !current.link && local.id < from) return;
      // Otherwise the peer starts over (it lost our connection, or gave up an attempt): follow it.
      claim = current.claim;
      current.claim = undefined;
      this.#end(current, new ConnectionClosedError(`${from} replaced this WebRTC connection with a new offer`));
    }
    this.#open(from, false, sessionId, claim).attempt.signal(signal);
  }

  #newSessionId(): string {
    return toHex(this.#random.bytes(SESSION_ID_BYTES));
  }
}

function noSignalRoute(peerId: string): ConnectionClosedError {
  return new ConnectionClosedError(
    `no route for WebRTC signals to ${peerId}: it is in no signaling room we joined and no neighbour lists it`,
  );
}
