/**
 * Signaling carried over the mesh (web2p only): once a node is in the mesh it can open a WebRTC
 * connection to a peer it learned of from a neighbour's peer list without the signaling server, by
 * handing the offer/answer/candidates to that neighbour, which is connected to the target and passes
 * them on.
 *
 * Wire: `whisper ['web2p:signal', to, from, data]` (messages.ts). A message is forwarded only to a
 * direct neighbour, so it travels two hops at most and cannot loop.
 */
import type { SignalData } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import type { Connection } from './connection.js';
import type { DebugLog } from './debug.js';
import type { Message } from './message.js';
import { decodeSignal, encodeSignal, SIGNAL_SUBFLAG, type RelayedSignal } from './messages.js';
import type { Service } from './service.js';

export { SIGNAL_SUBFLAG } from './messages.js';

export interface SignalRelayHost {
  readonly id: string;
  readonly routingTable: ReadonlyMap<string, Connection>;
  /** Most peers remembered as reachable through a neighbour (NodeLimits.maxSignalRoutes). */
  readonly maxRoutes: number;
  /** Hands signaling data addressed to us to the transport. */
  deliver(from: string, data: SignalData): void;
  readonly debug: DebugLog;
}

export class SignalRelay implements Service {
  readonly name = 'signal relay';
  readonly subFlags = [SIGNAL_SUBFLAG];
  /**
   * For each peer we heard of, the neighbour whose peer list named it most recently, oldest first.
   * A neighbour's new peer list replaces what it said before (peers that left it are forgotten), and
   * there are at most host.maxRoutes: it used to only grow (20 to 590 routes in a 5-minute soak).
   */
  private readonly via = new Map<string, string>();
  /** The peers each neighbour's latest peer list named, to forget those a new list leaves out. */
  private readonly named = new Map<string, Set<string>>();

  constructor(private readonly host: SignalRelayHost) {}

  start(): void {}

  /** Remembers that `neighbourId` is connected to each of `peerIds` (from its peer list). */
  learn(neighbourId: string, peerIds: readonly string[]): void {
    const named = new Set(peerIds.slice(-this.host.maxRoutes));
    // Peer lists come at every change of the neighbour's table, mostly as before: touch only what changed.
    for (const peerId of this.named.get(neighbourId) ?? []) if (!named.has(peerId) && this.via.get(peerId) === neighbourId) this.via.delete(peerId);
    this.named.set(neighbourId, named);
    for (const peerId of named) {
      if (this.via.get(peerId) === neighbourId) continue;
      this.via.delete(peerId); // to the back: the newest route
      this.via.set(peerId, neighbourId);
    }
    for (const [peerId, via] of this.via) {
      if (this.via.size <= this.host.maxRoutes) break;
      this.via.delete(peerId);
      this.named.get(via)?.delete(peerId);
    }
  }

  /** How many peers we know a route to (bounded by maxRoutes). */
  get routes(): number {
    return this.via.size;
  }

  /** The neighbour whose peer list named `peerId` most recently, if still a neighbour (a route two hops long). */
  neighbourOf(peerId: string): Connection | undefined {
    const via = this.via.get(peerId);
    return via === undefined ? undefined : this.host.routingTable.get(via);
  }

  /** That neighbour turned out not to reach `peerId` any more. */
  forget(peerId: string): void {
    this.via.delete(peerId);
  }

  peerDown(neighbourId: string): void {
    this.via.delete(neighbourId);
    this.forgetRoutesVia(neighbourId);
    this.named.delete(neighbourId);
  }

  private forgetRoutesVia(neighbourId: string): void {
    for (const peerId of this.named.get(neighbourId) ?? []) if (this.via.get(peerId) === neighbourId) this.via.delete(peerId);
  }

  /** Whether send(to, …) has a connection to hand the signal to: `to` itself, or the neighbour that listed it. */
  reaches(to: string): boolean {
    return this.firstHop(to) !== undefined;
  }

  send(to: string, data: SignalData): boolean {
    const conn = this.firstHop(to);
    if (!conn) return false;
    whisper(conn, { to, from: this.host.id, data });
    return true;
  }

  private firstHop(to: string): Connection | undefined {
    const table = this.host.routingTable;
    return table.get(to) ?? table.get(this.via.get(to) ?? '');
  }

  handle(msg: Message, _conn: Connection): void {
    const signal = decodeSignal(msg.wire.payload);
    if (signal.to === this.host.id) {
      this.host.deliver(signal.from, signal.data);
      return;
    }
    const next = this.host.routingTable.get(signal.to);
    if (next) whisper(next, signal);
    else this.host.debug.print(3, () => `signal for ${signal.to} dropped: not a neighbour`);
  }
}

function whisper(conn: Connection, signal: RelayedSignal): void {
  const [type, ...packets] = encodeSignal(signal);
  conn.send(flags.whisper, type!, ...packets);
}
