/**
 * Peer exchange (PROTOCOL.md §4.7): peer lists at handshakes, on request and (between web2p peers)
 * on every change of the routing table; the PeerBook of peers heard of; and filling outgoing slots
 * from it, so a node keeps maxOutgoing connections through departures.
 */
import type { Clock } from '../runtime/clock.js';
import { shuffled, type Random } from '../runtime/random.js';
import type { Transport } from '../transport/types.js';
import { flags } from '../wire/flags.js';
import type { Connection } from './connection.js';
import type { ConnectionManager } from './connection-manager.js';
import { PEER_REFRESH_MS, REDIAL_BACKOFF_MS } from './constants.js';
import type { DebugLog } from './debug.js';
import type { Message } from './message.js';
import { decodePeers, encodePeerRequest, encodePeers, type PeerEntry } from './messages.js';
import type { PeerBook } from './peer-book.js';
import type { Service } from './service.js';

export interface PeerExchangeHost {
  readonly id: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly debug: DebugLog;
  readonly transport: Transport;
  readonly maxOutgoing: number;
  readonly connections: ConnectionManager;
  readonly book: PeerBook;
  readonly closed: boolean;
  /** Ask for peers at most this often (0: whenever asked). */
  readonly peerRequestIntervalMs: number;
  /** A neighbour's peer list named these peers (the signal relay routes through it). */
  heard(neighbourId: string, peerIds: readonly string[]): void;
}

export class PeerExchange implements Service {
  readonly name = 'peer exchange';
  readonly subFlags = [flags.peers];
  /** When maintain() last asked for peers. */
  private lastRefresh = Number.NEGATIVE_INFINITY;
  /** When requestPeers() last asked (for peerRequestIntervalMs). */
  private lastAsked = Number.NEGATIVE_INFINITY;

  constructor(private readonly host: PeerExchangeHost) {}

  start(): void {}

  /** A new neighbour gets our peer list, and the neighbours that track ours hear of the change. */
  peerUp(conn: Connection): void {
    this.sendPeers(conn);
    this.announce(conn);
  }

  /** A departure: the neighbours that track ours hear of it. */
  peerDown(): void {
    this.announce();
  }

  /** After an unexpected departure: look for more peers. */
  lost(): void {
    this.requestPeers();
    this.fillOutgoing();
  }

  handle(msg: Message, conn: Connection): void {
    const { connections, book } = this.host;
    const record = connections.recordOf(conn);
    // py2p and js2p send their peer list after taking in our handshake, so once it is here both
    // routing tables hold this connection: that is when connect() may resolve.
    if (record && conn.id !== undefined) connections.dials.settled(record, record);
    const listed: string[] = [];
    for (const { id, addr } of decodePeers(msg.wire.payload)) {
      if (id === this.host.id) continue;
      book.remember(id, addr);
      listed.push(id);
    }
    if (conn.id !== undefined) this.host.heard(conn.id, listed);
    if (record) connections.setNeighbours(record, listed);
    this.fillOutgoing();
  }

  /**
   * `whisper [peers, [[[host, port], id], ...]]` (§4.7): everyone in our table with an address, in
   * random order as py2p sends it, so that peers filling their slots from it do not all pick the same.
   */
  sendPeers(conn: Connection): void {
    const list: PeerEntry[] = [];
    for (const peer of this.host.connections.routingTable.values()) if (peer.addr && peer.id) list.push({ id: peer.id, addr: peer.addr });
    const [type, ...packets] = encodePeers(shuffled(this.host.random, list));
    conn.send(flags.whisper, type!, ...packets);
  }

  /** Tells the neighbours that track our neighbours (all but `except`) that our table changed. */
  private announce(except?: Connection): void {
    for (const record of this.host.connections.open) if (record.view !== except && record.announcesNeighbours) this.sendPeers(record.view);
  }

  /** Asks every neighbour for its peers (py2p's request_peers, after a departure). */
  requestPeers(): void {
    const now = this.host.clock.now();
    if (now - this.lastAsked < this.host.peerRequestIntervalMs) return;
    this.lastAsked = now;
    const [type, ...packets] = encodePeerRequest();
    for (const record of this.host.connections.open) record.send(flags.whisper, type!, ...packets);
  }

  /**
   * Dials peers from the book while we have fewer than maxOutgoing outgoing connections. Returns
   * false when slots stay free with nobody left to try.
   */
  fillOutgoing(): boolean {
    const { host } = this;
    if (host.closed) return true;
    const { connections, book } = host;
    // Random order, not most-recent-first: recent entries are our neighbours' neighbours, and
    // dialling only those clusters the mesh into islands that a few crashes cut apart.
    for (const [id, addr] of shuffled(host.random, book.candidates(host.clock.now()))) {
      if (connections.outgoingCount >= host.maxOutgoing) return true;
      if (connections.record(id) || connections.dials.isFillingSlot(id) || id === host.id) continue;
      const address = host.transport.addressFromWire(addr, id);
      if (address === undefined) continue;
      connections.dials.dialPeer(address, id, true).catch((error: unknown) => {
        book.backOff(id, host.clock.now() + REDIAL_BACKOFF_MS);
        host.debug.print(1, () => `could not reach ${id}: ${String(error)}`);
      });
    }
    return connections.outgoingCount >= host.maxOutgoing;
  }

  /**
   * py2p sends peer lists only at handshakes, so a node that joined through a peer that was itself
   * still joining may know nobody else; ask the neighbours again now and then.
   */
  maintain(): void {
    const now = this.host.clock.now();
    if (!this.fillOutgoing() && this.host.connections.routingTable.size > 0 && now - this.lastRefresh >= PEER_REFRESH_MS) {
      this.lastRefresh = now;
      this.requestPeers();
    }
  }
}
