/**
 * A socket's health as its user sees it: the state ('connecting', 'joined-alone', 'connected',
 * 'closed') with its 'state' event, the signaling rooms going up and down, and the peers the
 * transport could not reach. The transport reports rendezvous and failures through LocalNode; the
 * socket reports listening, peers coming and going, and close. This part only decides what that
 * means and says it.
 */
import { SignalingError, type PeerUnreachableError } from '../errors.js';
import type { DebugLog } from './debug.js';

/**
 * - `connecting`: not reachable yet: the transport is not listening, or (WebRTC) no signaling room
 *   is joined, and no peer is linked. Every socket starts here.
 * - `joined-alone`: others can find us (listening; WebRTC: at least one room joined) but no peer is
 *   in the routing table: nobody else is there, or nobody could be reached (see 'unreachable').
 * - `connected`: at least one peer is in the routing table, whether or not a room is joined.
 * - `closed`: close() was called; final.
 */
export type SocketState = 'connecting' | 'joined-alone' | 'connected' | 'closed';

/** The events this part emits, as the socket declares them (MeshEvents). */
export type HealthEvents = {
  /** The state changed (see SocketState for when each holds). */
  state: (state: SocketState, previous: SocketState) => void;
  /** A signaling room was joined: the first time, and after each reconnection. */
  'signaling-up': (url: string) => void;
  /** The connection to a signaling room dropped; the transport reconnects in `retryInMs`. */
  'signaling-down': (url: string, reason: Error, retryInMs: number) => void;
  /** Every attempt to reach a peer failed: `error.reason` says why, its message what to do. */
  unreachable: (error: PeerUnreachableError) => void;
};

export interface HealthHost {
  readonly debug: DebugLog;
  /** Whether peers meet us only through rendezvous (Transport.rendezvous). */
  readonly rendezvous: boolean;
  /** Peers in the routing table now. */
  peerCount(): number;
  emit<K extends keyof HealthEvents>(event: K, ...args: Parameters<HealthEvents[K]>): void;
}

export class SocketHealth {
  #state: SocketState = 'connecting';
  #listening = false;
  /** The rendezvous URLs joined now. */
  readonly #rooms = new Set<string>();

  constructor(private readonly host: HealthHost) {}

  get state(): SocketState {
    return this.#state;
  }

  /** The signaling rooms joined now (WebRTC), by URL. */
  get rooms(): ReadonlySet<string> {
    return this.#rooms;
  }

  /** The transport listens. */
  listened(): void {
    this.#listening = true;
    this.#update();
  }

  /** A rendezvous was joined or lost (LocalNode.rendezvous). */
  rendezvous(url: string, up: boolean, reason?: Error, retryInMs = 0): void {
    if (this.#state === 'closed') return;
    if (up) {
      this.#rooms.add(url);
      this.host.debug.print(1, () => `signaling up: joined ${url}`);
      this.host.emit('signaling-up', url);
    } else if (this.#rooms.delete(url)) {
      const error = reason ?? new SignalingError(`lost the signaling server ${url}`);
      this.host.debug.print(1, () => `signaling down: ${url}: ${error.message}; reconnecting in ${retryInMs} ms`);
      this.host.emit('signaling-down', url, error, retryInMs);
    }
    this.#update();
  }

  /** The transport gave up on a peer for now (LocalNode.unreachable). */
  unreachable(error: PeerUnreachableError): void {
    if (this.#state === 'closed') return;
    this.host.debug.print(1, () => error.message);
    this.host.emit('unreachable', error);
  }

  /** A peer entered or left the routing table. */
  peersChanged(): void {
    this.#update();
  }

  closed(): void {
    this.#set('closed');
  }

  #update(): void {
    if (this.#state === 'closed') return;
    const reachable = this.#listening && (!this.host.rendezvous || this.#rooms.size > 0);
    this.#set(this.host.peerCount() > 0 ? 'connected' : reachable ? 'joined-alone' : 'connecting');
  }

  #set(state: SocketState): void {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.host.debug.print(1, () => `state: ${previous} → ${state}`);
    this.host.emit('state', state, previous);
  }
}
