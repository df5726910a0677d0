/**
 * A transport over connections an app already made with simple-peer (npm `simple-peer` 9.x): the
 * app negotiates as it does today (its own signaling, `peer.signal(data)`), hands each peer to
 * `addPeer()`, and a MeshSocket runs over them. web2p takes the peer's open data channel and peer
 * connection (simple-peer keeps them as `_channel` and `_pc`) and carries its frames there as the
 * built-in WebRTC transport does (DataChannelLink: chunking, backpressure, graceful close), so
 * simple-peer itself is not imported here and the app chooses its version.
 *
 * There is no signaling server here to reach peers learned from peer lists, so nothing is dialled:
 * the mesh is made of the peers the app adds (broadcasts still cross it, relayed by every node).
 */
import { ConnectionClosedError, UnsupportedPeerError, Web2pError } from '../errors.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { Link, LocalNode, Transport, WireAddress } from './types.js';
import { DataChannelLink } from './webrtc/datachannel-link.js';
import type { DataChannel, PeerConnection } from './webrtc/rtc-types.js';
import { linkFingerprints } from './webrtc/sdp-fingerprint.js';

/** The part of a simple-peer instance the adapter uses (its public side; see `addPeer` for the rest). */
export interface SimplePeerLike {
  /** True once simple-peer's data channel is open (its 'connect' event). */
  readonly connected: boolean;
  /** True once the peer was destroyed. */
  readonly destroyed: boolean;
  /** Listens once for 'connect', 'close' or 'error' (simple-peer is an EventEmitter). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
  /** Listens for every 'error' once the mesh has the peer (addPeer). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Stops listening. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** What simple-peer 9.x keeps on the instance, undocumented but stable across 9.x. */
interface SimplePeerInternals {
  initiator?: unknown;
  _pc?: PeerConnection;
  _channel?: (DataChannel & { ordered?: boolean; maxRetransmits?: number | null; maxPacketLifeTime?: number | null; onmessage?: unknown }) | null;
  /** Its stream's `read()` (a simple-peer is a Duplex): what it buffered, or null. */
  read?(): unknown;
}

/** What this transport advertises: nothing to dial. */
const WIRE_HOST = 'simple-peer';

/** Options of `new SimplePeerTransport(options)`. */
export interface SimplePeerTransportOptions {
  /** For the links' close linger; default the system clock. */
  clock?: Clock;
}

/**
 * A Transport over simple-peer connections the app makes and hands over with `addPeer()` (see the
 * top of this file). Give it to one MeshSocket (or SyncSocket, ChordSocket) as `{ transport }`.
 */
export class SimplePeerTransport implements Transport {
  /** Peers are web2p peers: compression would only cost CPU. */
  readonly compression: readonly number[] = [];
  readonly #clock: Clock;
  #onLink: ((link: Link) => void) | undefined;
  #local: LocalNode | undefined;
  #closed = false;
  readonly #links = new Set<DataChannelLink>();

  constructor(options: SimplePeerTransportOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** `simple-peer:<node id>` once the socket listens: a name for logs, not something to dial. */
  get address(): string | undefined {
    return this.#local && `${WIRE_HOST}:${this.#local.id}`;
  }

  async listen(onLink: (link: Link) => void, local: LocalNode): Promise<void> {
    this.#onLink = onLink;
    this.#local = local;
  }

  /**
   * Carries the mesh over `peer`, a simple-peer instance (9.x) made with the default, ordered and
   * reliable, data channel. Resolves once the socket has the link (at once when the peer is
   * connected, else on its 'connect'); the socket's 'peer' event follows the handshake. Rejects
   * with ConnectionClosedError when the peer closes first, UnsupportedPeerError for what cannot
   * carry the mesh. From then on the channel is the mesh's: do not `send()` on the peer yourself.
   * Its 'error' events are the link's too: the socket reports the link's end ('disconnect', and
   * 'error' for a failure), so an app need not listen for them on the peer.
   */
  addPeer(peer: SimplePeerLike): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError('this simple-peer transport is closed'));
    if (!this.#onLink) return Promise.reject(new Web2pError('give the transport to a MeshSocket before adding peers'));
    if (peer.destroyed) return Promise.reject(new ConnectionClosedError('the simple-peer peer was destroyed before it was added'));
    if (peer.connected) return Promise.resolve(this.#adopt(peer));
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        peer.off('connect', connected);
        peer.off('close', closed);
        peer.off('error', closed);
        if (error) reject(error);
      };
      const connected = (): void => {
        settle();
        try {
          resolve(this.#adopt(peer));
        } catch (error) {
          reject(error);
        }
      };
      const closed = (error?: Error): void =>
        settle(new ConnectionClosedError(`the simple-peer peer closed before it connected${error ? `: ${error.message}` : ''}`, { cause: error }));
      peer.once('connect', connected);
      peer.once('close', closed);
      peer.once('error', closed);
    });
  }

  /** Nothing to dial: the app makes the connections (see addPeer). */
  dial(address: string): Promise<Link | null> {
    return Promise.reject(new Web2pError(`the simple-peer transport cannot dial ${address}: negotiate with simple-peer and pass the peer to addPeer()`));
  }

  wireAddress(): WireAddress {
    return [WIRE_HOST, 0];
  }

  addressFromWire(): string | undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const link of [...this.#links]) link.close();
    this.#links.clear();
    this.#onLink = undefined;
  }

  #adopt(peer: SimplePeerLike): void {
    const { initiator, _pc: pc, _channel: channel } = peer as SimplePeerLike & SimplePeerInternals;
    if (!pc || !channel || typeof channel.send !== 'function' || typeof pc.getStats !== 'function') {
      throw new UnsupportedPeerError('not a connected simple-peer 9.x instance: it has no _pc and _channel (web2p/simple-peer supports simple-peer 9.x)');
    }
    if (channel.ordered === false || (channel.maxRetransmits ?? null) !== null || (channel.maxPacketLifeTime ?? null) !== null) {
      throw new UnsupportedPeerError('the simple-peer data channel is unordered or unreliable; the mesh needs the default channelConfig');
    }
    if (this.#closed || !this.#onLink) throw new ConnectionClosedError('this simple-peer transport is closed');
    // simple-peer would push every message into its stream, buffered for ever when nobody reads it.
    channel.onmessage = null;
    // What it pushed there already is the peer's: its 'connect' waits for ICE stats (retried every
    // 100 ms until they name a pair), so a peer whose 'connect' came first may have sent its
    // handshake in the meantime.
    const received = takeBuffered(peer as SimplePeerLike & SimplePeerInternals);
    // simple-peer made the SDPs, so they can only be read back; its 'connect' came after both were set.
    const fingerprints = linkFingerprints(pc.localDescription?.sdp, pc.remoteDescription?.sdp);
    const link = new DataChannelLink(channel, pc, { outgoing: initiator === true, remoteAddress: WIRE_HOST, fingerprints, received, clock: this.#clock });
    // Forget links whose connection has ended (a local close fires no event in browsers).
    for (const old of this.#links) if (old.peerConnection.connectionState === 'closed') this.#links.delete(old);
    this.#links.add(link);
    // simple-peer destroys itself with an 'error' when the connection ends under it (ICE closed:
    // what closing a socket or the other side leaving does). The link reports that end from the
    // channel and the peer connection; an emitter's 'error' with no listener would be thrown instead,
    // crashing a Node app (or logging an uncaught error in a page) that did not listen on its peer.
    peer.on('error', () => {});
    this.#onLink(link);
  }
}

/** What simple-peer's stream holds, read out (its `read()`: all of it in one chunk, then null). */
function takeBuffered(peer: SimplePeerInternals): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let chunk = peer.read?.(); chunk instanceof Uint8Array; chunk = peer.read!()) chunks.push(chunk);
  return chunks;
}
