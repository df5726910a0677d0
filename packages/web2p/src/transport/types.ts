import type { PeerUnreachableError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { JoinProof } from '../signaling/join-proof.js';
import type { AsyncMessageHash } from '../wire/message-hash.js';

/**
 * One connection to one peer, as an ordered, reliable byte stream. The socket writes whole py2p
 * frames; a link may split or coalesce them on the way (a TCP stream does, a WebRTC link splits
 * large frames into data-channel messages) and the receiver's frame decoder joins them again.
 *
 * Contract (checked by test/contract/link-contract.ts for every transport; see also Transport):
 * - bytes sent arrive in order, unaltered and complete, or the link closes: nothing is dropped;
 * - bytes that arrive before `attach()` are held and handed over on attach;
 * - `close()` ends with one `close` callback on both sides (at once on the closing side), and nothing
 *   after it; it is graceful: everything sent before it still reaches the peer, ahead of the close;
 * - `send()` after close is ignored (never throws);
 * - after `pause()` returned true, no `data` callback runs until `resume()`, and the bytes held back
 *   push back on the sender (its `bufferedAmount` grows, as a full TCP window makes it), then arrive
 *   in order on `resume()`; a `pause()` that returned false changed nothing;
 * - `abort()` ends the link like `close()` on this side, but at once: what is still queued is
 *   discarded rather than delivered.
 */
export interface Link {
  /** True when this side dialled. */
  readonly outgoing: boolean;
  /** The transport address of the other side when it is known (dialled links), for logs. */
  readonly remoteAddress: string | undefined;
  /**
   * True when the other side can only be web2p (WebRTC: py2p and js2p have none). Then the side
   * that accepted the link sends its handshake at once instead of waiting for the dialler's, which
   * py2p 0.7.878 needs (peer-dialect.ts): one trip less before the first message.
   */
  readonly peerIsWeb2p?: boolean;
  /**
   * The node id the transport reached the other side as, before any byte crossed the link (WebRTC:
   * the id its signals came from or went to). With `fingerprints`, our identity proof is signed for
   * it and goes out with our handshake (PROTOCOL.md §14.14); a peer that answers under another id
   * cannot use it.
   */
  readonly peerId?: string | undefined;
  /** Called once by the link's owner; bytes held until then are handed over at once. */
  attach(handlers: LinkHandlers): void;
  /** Queues bytes for the peer; never throws, and does nothing once the link has closed. */
  send(bytes: Uint8Array): void;
  /** Bytes accepted by `send()` that have not yet left this side (backpressure signal). */
  readonly bufferedAmount: number;
  /** Ends the link gracefully (see the contract above); a second call does nothing. */
  close(): void;
  /**
   * Ends the link at once, discarding what is queued for the peer: for a peer dropped for its
   * limits (a send queue it never read holds up to NodeLimits.maxSendQueueBytes, which a graceful
   * close would keep for its linger). The close callback runs at once, as with `close()`.
   */
  abort(): void;
  /**
   * Stops reading from the peer, so that the transport's flow control pushes back on it (a TCP or
   * TLS socket, a WebSocket and the simulator stop taking bytes; the peer's send buffer fills and
   * it waits). The mesh pauses a peer over its byte or message budget instead of discarding what it
   * sent (mesh/connection-limits.ts), so an honest fast peer loses nothing. False when the link
   * cannot pause: a data channel has no read pause (the browser's SCTP stack drains its receive
   * window into `onmessage` regardless), so holding its messages would only move the memory here.
   */
  pause(): boolean;
  /** Reads again after `pause()`: bytes held back are handed over first, in order. */
  resume(): void;
  /** How the link travels, for `sock.stats()`; links that know nothing more leave it out. */
  stats?(): Promise<LinkStats>;
  /**
   * Both ends' certificate fingerprints, where the transport has them (WebRTC: the DTLS
   * `a=fingerprint` lines of the two SDPs, as `sha-256 AB:CD:…`). The identity proof signs them,
   * so that a proof made on one link cannot be relayed onto another (mesh/identity-proof.ts).
   */
  readonly fingerprints?: LinkFingerprints | undefined;
}

/** What a link knows of how it travels (Link.stats); every field is left out when unknown. */
export interface LinkStats {
  /** WebRTC: `host`, `srflx`, `prflx` or `relay` (routeOf in selected-candidate.ts). */
  route?: string;
  /** WebRTC: the candidate types of the selected ICE pair, ours and the peer's. */
  candidates?: { local: string; remote: string };
  /** The round-trip time in ms as the transport measures it anyway (WebRTC: ICE consent checks). */
  rttMs?: number;
}

/** A link's two certificate fingerprints, each as its SDP states it. */
export interface LinkFingerprints {
  readonly local: string;
  readonly remote: string;
}

/** What a transport's link calls: bytes as they arrive, and its end. */
export interface LinkHandlers {
  /** Bytes from the other side, in order; frames may be split or coalesced. */
  data(bytes: Uint8Array): void;
  /** Called once when the link ends, from either side; `error` when it failed rather than closed. */
  close(error?: Error): void;
  /**
   * Called when bytes queued by `send()` have left (`bufferedAmount` fell), at least each time it
   * falls to the transport's low-water mark (256 KiB on WebRTC, empty on a stream): the socket's backpressure
   * (mesh/send-backlog.ts) learns of progress here instead of polling.
   */
  drain?(): void;
}

/** JSON-like signaling payload (an SDP offer/answer or an ICE candidate), opaque to the mesh. */
export type SignalData = { [key: string]: unknown };

/**
 * What a transport may ask of the socket it serves. Once a node is in the mesh, it can reach peers
 * it learned of through peer lists without the signaling server: `relaySignal` hands signaling data
 * to a neighbour that is connected to the target, which passes it on (two hops, not a flood).
 */
export interface LocalNode {
  readonly id: string;
  /**
   * Proves to a signaling server, over the nonce it challenged this connection with, that we hold
   * the key `id` was derived from (signaling/join-proof.ts); a promise where signing is
   * asynchronous (WebCrypto in browsers). Absent: joins carry no proof.
   */
  proveJoin?(nonce: string): JoinProof | Promise<JoinProof>;
  /** Sends `data` to peer `to` through the mesh. Returns false when no neighbour can reach it. */
  relaySignal(to: string, data: SignalData): boolean;
  /**
   * Whether `relaySignal(to, …)` would find a neighbour to carry it, without sending anything: a
   * transport asks before it builds a connection for a peer it has reason to think gone. Absent:
   * the transport cannot tell, and dials as if it could.
   */
  canRelaySignal?(to: string): boolean;
  /**
   * Every attempt to reach a peer failed (WebRTC: ICE, TURN, or no answer): the socket tells its
   * user, with the reason and advice in the error. Transports that cannot tell leave it uncalled.
   */
  unreachable?(error: PeerUnreachableError): void;
  /**
   * A rendezvous of the transport (a signaling room) was joined (`up`, after every rejoin too) or
   * lost (`reason` says why, `retryInMs` when the transport tries again). Only transports whose
   * peers meet there (`Transport.rendezvous`) call it.
   */
  rendezvous?(url: string, up: boolean, reason?: Error, retryInMs?: number): void;
}

/** A peer's advertised address as it travels in handshakes and peer lists (PROTOCOL.md §2.1). */
export type WireAddress = [host: string, port: number];

/**
 * Where links come from. A socket listens on one transport, dials through it, and advertises the
 * transport's wire address. The simulator, WebRTC and the Node TCP/TLS/ws stacks implement it.
 *
 * Adding a transport means implementing this and `Link`, and passing both contract suites
 * (test/contract/transport-contract.ts and link-contract.ts) with a small harness that makes
 * listening endpoints. The Transport contract:
 * - after `listen()`, `address` is set and differs between transports; `dial(address)` of a fresh
 *   peer resolves with a link (`outgoing` true) once it carries bytes, and the peer's `onLink`
 *   gets the other end (`outgoing` false);
 * - `addressFromWire(peer.wireAddress(), peerId)` gives back the peer's `address`: what we
 *   advertise in handshakes is enough for others to dial us;
 * - `close()` closes every link it dialled or accepted, each end reporting one `close`;
 * - a dial where nothing answers, and any dial after `close()`, rejects with a Web2pError
 *   (errors.ts), within a bounded time, never hanging;
 * - many dials to one listener at once each get their own link.
 */
export interface Transport {
  /** Where others reach this node ('sim://7', 'tcp://host:port', …); undefined until known. */
  readonly address: string | undefined;
  /** Starts accepting links; every accepted link is handed to `onLink`. */
  listen(onLink: (link: Link) => void, local: LocalNode): Promise<void>;
  /**
   * Signaling data a peer sent us through the mesh (see LocalNode.relaySignal). Transports that
   * need no signaling leave it out.
   */
  onRelayedSignal?(from: string, data: SignalData): void;
  /**
   * Opens a link to `address`. Resolves with the link once it can carry bytes, or with `null` when
   * the links it brings arrive through `onLink` instead: the address names a rendezvous (a signaling
   * room), or a peer the transport is already linked with.
   */
  dial(address: string): Promise<Link | null>;
  /**
   * Says that `dial(address)` will follow once this transport listens (the socket's key pair is
   * still being made): a transport may start now what needs no node id, as WebRTC opens a signaling
   * room's WebSocket. A hint only: whatever goes wrong is reported by the dial.
   */
  preconnect?(address: string): void;
  /** What we advertise to peers: our reachable [host, port]. Valid after `listen()`. */
  wireAddress(): WireAddress;
  /** The dialable address for a peer-list entry, or undefined when this transport cannot reach it. */
  addressFromWire(wire: WireAddress, peerId: string): string | undefined;
  /** Stops listening and closes every link this transport made. */
  close(): Promise<void>;
  /**
   * Compression methods sockets on this transport advertise unless told otherwise. py2p's TCP peers
   * expect zlib and gzip; between web2p nodes in memory or over WebRTC compression only costs CPU.
   */
  readonly compression?: readonly number[];
  /**
   * A native SHA-256 that is only asynchronous (the browser's crypto.subtle), for sockets to hash
   * large broadcasts with (wire/message-hash.ts); without it they hash synchronously.
   */
  readonly messageDigest?: AsyncMessageHash;
  /**
   * True when others find this node only through a rendezvous it joins (WebRTC's signaling rooms),
   * so it is reachable only while one is joined (LocalNode.rendezvous); otherwise listening is enough.
   */
  readonly rendezvous?: boolean;
  /** A transport that owns time (the simulator) hands its clock and randomness to its sockets. */
  readonly clock?: Clock;
  readonly random?: Random;
}
