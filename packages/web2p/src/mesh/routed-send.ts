/**
 * Sending to one node over the mesh route (web2p only, PROTOCOL.md §14.9): the primitive under
 * `request()`, replies to non-neighbours and anything else that must reach a node we have no direct
 * link to (a peer behind a NAT that cannot be pierced, a chord node far off). No dial is needed:
 * the message goes from neighbour to neighbour along the route the target's heartbeats came by
 * (members.ts keeps it), and is flooded like a broadcast when no route is known yet. Each kind of
 * routed message has one handler, registered with `on(kind, …)`.
 *
 * Reusable by other services: `send(to, kind, body)` and `on(kind, handler)`.
 */
import { Web2pError } from '../errors.js';
import { flags } from '../wire/flags.js';
import type { OutgoingPacket, Packet } from '../wire/packet.js';
import type { Connection } from './connection.js';
import { MAX_ROUTE_HOPS } from './constants.js';
import type { DebugLog } from './debug.js';
import type { Message } from './message.js';
import { decodeRouted, encodeRouted, ROUTE_SUBFLAG, type RoutedEnvelope } from './routed-messages.js';
import type { Service } from './service.js';

export interface RoutedSendHost {
  readonly id: string;
  readonly debug: DebugLog;
  /** The neighbour to hand a message for `to` to: `to` itself when it is a neighbour, else the route. */
  nextHop(to: string): Connection | undefined;
  /** A node on the way said it has no route to `to`: forget ours through that way. */
  forgetRoute(to: string): void;
  /** Broadcasts a payload from this node to the whole mesh (the fallback when no route is known). */
  broadcast(payload: readonly OutgoingPacket[]): void;
}

/** Handles a routed message addressed to us: who sent it, what it carries, the neighbour it came from. */
export type RoutedHandler = (from: string, body: readonly Packet[], conn: Connection) => void;

export class RoutedSend implements Service {
  readonly name = 'routed send';
  readonly subFlags = [ROUTE_SUBFLAG];
  private readonly handlers = new Map<string, RoutedHandler>();
  private readonly lostListeners = new Set<(to: string) => void>();

  constructor(private readonly host: RoutedSendHost) {}

  start(): void {
    this.handlers.set(UNREACHABLE_KIND, (_from, body) => {
      const target = typeof body[0] === 'string' ? body[0] : undefined;
      if (target === undefined) return;
      this.host.debug.print(2, () => `no route to ${target} any more (told by a node on the way)`);
      this.host.forgetRoute(target);
      for (const listener of this.lostListeners) listener(target);
    });
  }

  /** Told when a node on the way to `to` had no route further: `to` is gone, or cut off. */
  onUnreachable(listener: (to: string) => void): void {
    this.lostListeners.add(listener);
  }

  /** Handles routed messages of `kind` addressed to this node; one handler per kind. */
  on(kind: string, handler: RoutedHandler): void {
    if (this.handlers.has(kind)) throw new Web2pError(`routed messages of kind ${kind} already have a handler`);
    this.handlers.set(kind, handler);
  }

  /** Whether a next hop towards `to` is known (else a send is flooded to the whole mesh). */
  hasRoute(to: string): boolean {
    return this.host.nextHop(to) !== undefined;
  }

  /**
   * Sends `body` to node `to` along the mesh route. Fire and forget: delivery is not confirmed (ask
   * with `request()` for an answer). Throws MessageTooLargeError before anything leaves.
   */
  send(to: string, kind: string, body: readonly OutgoingPacket[]): void {
    this.pass({ to, from: this.host.id, hops: MAX_ROUTE_HOPS, kind, body });
  }

  handle(msg: Message, conn: Connection): void {
    const envelope = decodeRouted(msg.wire.payload);
    const { debug } = this.host;
    if (envelope.to === this.host.id) {
      const handler = this.handlers.get(envelope.kind);
      if (handler) handler(envelope.from, envelope.body, conn);
      else debug.print(3, () => `routed ${envelope.kind} from ${envelope.from}: no handler, ignored`);
      return;
    }
    if (msg.wire.type === flags.broadcast) return; // flooded: the waterfall takes it on
    if (envelope.hops <= 1) {
      debug.print(2, () => `routed ${envelope.kind} for ${envelope.to} dropped: out of hops`);
      return;
    }
    const next = this.host.nextHop(envelope.to);
    if (next && next.id !== conn.id) {
      // clamped: a peer's count cannot keep a message circling past our own limit
      whisperEnvelope(next, { ...envelope, hops: Math.min(envelope.hops, MAX_ROUTE_HOPS) - 1 });
      return;
    }
    // a dead end: tell the sender, which then stops taking this way (and chord drops the node)
    debug.print(2, () => `routed ${envelope.kind} for ${envelope.to} dropped: no route from here`);
    if (envelope.kind !== UNREACHABLE_KIND) this.send(envelope.from, UNREACHABLE_KIND, [envelope.to]);
  }

  /** To the next hop; flooded when we know none (our own messages only: relays answer a dead end). */
  private pass(envelope: RoutedEnvelope<OutgoingPacket>): void {
    const next = this.host.nextHop(envelope.to);
    if (next) whisperEnvelope(next, envelope);
    else this.host.broadcast(encodeRouted(envelope));
  }
}

/** The kind of a dead-end notice: body `[target]`, sent back to the origin by a node with no route further. */
export const UNREACHABLE_KIND = 'unreachable';

function whisperEnvelope(conn: Connection, envelope: RoutedEnvelope<OutgoingPacket>): void {
  const [type, ...packets] = encodeRouted(envelope) as Packet[];
  conn.send(flags.whisper, type!, ...packets);
}
