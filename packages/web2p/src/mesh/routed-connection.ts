/**
 * A node reached over the mesh route, seen as a Connection (web2p only, PROTOCOL.md §14.9): for a
 * service that talks to particular nodes through connections (chord) when no direct link can be
 * made, as between two browsers behind symmetric NATs without TURN. What it sends goes through
 * routed-send.ts; what arrives from that node over the route is handed to the service with it.
 */
import { Web2pError } from '../errors.js';
import type { Link, WireAddress } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import { createMessage } from '../wire/message.js';
import type { Packet } from '../wire/packet.js';
import { Connection } from './connection.js';
import { Message, type ReplyRouter } from './message.js';
import type { PeerDialect } from './peer-dialect.js';

/** Only web2p nodes are reached over the route, and they read every str/bin choice. */
const ROUTED_DIALECT: PeerDialect = { binProtocolId: false, binIds: false, web2p: true, unhashedWhispers: false };

export class RoutedConnection extends Connection {
  #closed = false;

  constructor(
    private readonly peerId: string,
    private readonly peerAddr: WireAddress,
    /** Sends `[type, ...packets]` to the node over the mesh route. */
    private readonly route: (payload: Packet[]) => void,
  ) {
    // No connection record: there is no link of our own to this node. Every member that would
    // read one is overridden below.
    super(undefined as never);
  }

  override get id(): string {
    return this.peerId;
  }

  override get addr(): WireAddress {
    return this.peerAddr;
  }

  override get compression(): readonly number[] {
    return [];
  }

  override get dialect(): PeerDialect {
    return ROUTED_DIALECT;
  }

  override get outgoing(): boolean {
    return false;
  }

  override get link(): Link {
    throw new Web2pError(`${this.peerId} is reached over the mesh route: there is no link of its own`);
  }

  override get closed(): boolean {
    return this.#closed;
  }

  /** Routed as a whisper to the node (the flag is whisper's whatever is asked: nothing is relayed to all). */
  override send(_flag: number, type: Packet, ...packets: Packet[]): void {
    if (!this.#closed) this.route([type, ...packets]);
  }

  /** Stops sending over the route (the node left, or the route is gone). */
  override close(): void {
    this.#closed = true;
  }

  override toString(): string {
    return `${this.peerId} (over the mesh route)`;
  }
}

/** A message that came over the mesh route from `from`, as handlers see messages: a whisper carrying `payload`. */
export function routedMessage(from: string, nowSeconds: number, payload: readonly Packet[], replies: ReplyRouter): Message {
  return new Message(createMessage(flags.whisper, from, nowSeconds, payload, Infinity), replies);
}
