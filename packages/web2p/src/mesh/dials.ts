/**
 * Dialling, in one place: the one registry of dials under way (peer exchange, routed replies and
 * chord all dial through it, so a second wish to reach a peer joins the first), and what each dial
 * waits for, each with its deadline in a pending-request table: the transport's link, then the
 * handshake and peer list that mean both routing tables hold the connection.
 */
import { HandshakeRefusedError, SocketClosedError, Web2pError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import { BoundedSet } from '../runtime/bounded-set.js';
import { PendingRequests } from '../runtime/pending-requests.js';
import type { Link, Transport } from '../transport/types.js';
import type { ConnectionRecord } from './connection-record.js';
import { CONNECT_TIMEOUT_MS, MAX_BIN_DIALECT_ADDRESSES } from './constants.js';
import type { DebugLog } from './debug.js';
import type { PeerDialect } from './peer-dialect.js';

export interface DialsHost {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly listening: Promise<void>;
  readonly closed: boolean;
  readonly debug: DebugLog;
  /** The open connection to a peer, if any. */
  connected(peerId: string): ConnectionRecord | undefined;
  /** Takes a fresh outgoing link in (handshake out, typed as `dialect`; frames in), calling `created` before it reads anything. */
  adopt(
    link: Link,
    expectedId: string | undefined,
    created: (record: ConnectionRecord) => void,
    dialect: Pick<PeerDialect, 'binProtocolId'>,
  ): ConnectionRecord;
}

interface Dial {
  promise: Promise<ConnectionRecord | undefined>;
  /**
   * Whether it counts against maxOutgoing: dials made to fill outgoing slots do, until their peer
   * enters the routing table (then its connection counts, if we dialled it).
   */
  fillsSlot: boolean;
}

export class Dials {
  private readonly byId = new Map<string, Dial>();
  /** Transport dials waiting for their link. */
  private readonly links: PendingRequests<symbol, Link | null>;
  /** Dialled connections waiting for both routing tables to hold them (connect() resolves then). */
  private readonly connects: PendingRequests<ConnectionRecord, ConnectionRecord>;
  /** Known peers whose link the transport brings through onLink, waiting for their handshake. */
  private readonly arrivals: PendingRequests<string, ConnectionRecord>;
  /**
   * Addresses that answered our str protocol id in bin (py2p 0.7.878): dialled in bin from then on,
   * the least recently learned forgotten first.
   */
  private readonly binDialect = new BoundedSet<string>(MAX_BIN_DIALECT_ADDRESSES);

  constructor(private readonly host: DialsHost) {
    this.links = new PendingRequests(host.clock);
    this.connects = new PendingRequests(host.clock);
    this.arrivals = new PendingRequests(host.clock);
  }

  /** Dials to fill outgoing slots whose peer has not entered the routing table yet. */
  get fillingSlots(): number {
    let count = 0;
    for (const dial of this.byId.values()) if (dial.fillsSlot) count++;
    return count;
  }

  /** Whether a dial to fill a slot is under way to `peerId` (another kind of dial may be joined and counted). */
  isFillingSlot(peerId: string): boolean {
    return this.byId.get(peerId)?.fillsSlot === true;
  }

  /** Dials `address` (a peer, or a rendezvous such as a signaling room) and waits for the handshake. */
  dialAddress(address: string): Promise<ConnectionRecord | undefined> {
    return this.open(address, undefined);
  }

  /** Dials peer `peerId` at `address`, or joins the dial to it already under way. */
  dialPeer(address: string, peerId: string, fillsSlot: boolean): Promise<ConnectionRecord | undefined> {
    const connected = this.host.connected(peerId);
    if (connected) return Promise.resolve(connected);
    const existing = this.byId.get(peerId);
    if (existing) {
      existing.fillsSlot ||= fillsSlot;
      return existing.promise;
    }
    const promise = this.open(address, peerId);
    this.byId.set(peerId, { promise, fillsSlot });
    const forget = (): void => void this.byId.delete(peerId);
    promise.then(forget, forget);
    return promise;
  }

  /** A dialled connection is in both routing tables (or lost a conflict to `winner`, which is). */
  settled(record: ConnectionRecord, winner: ConnectionRecord): void {
    this.connects.resolve(record, winner);
  }

  /** A dialled connection failed before it settled; `error` is only built when a dial waits for it. */
  failed(record: ConnectionRecord, error: () => Error): void {
    if (this.connects.has(record)) this.connects.reject(record, error());
  }

  /** A peer entered the routing table: a dial waiting for its link through onLink is done. */
  arrived(peerId: string, record: ConnectionRecord): void {
    const dial = this.byId.get(peerId);
    if (dial) dial.fillsSlot = false;
    this.arrivals.resolve(peerId, record);
  }

  /** Every dial still waiting fails with SocketClosedError. */
  close(): void {
    for (const table of [this.links, this.connects, this.arrivals]) table.close();
  }

  private async open(address: string, expectedId: string | undefined): Promise<ConnectionRecord | undefined> {
    if (this.host.closed) throw new SocketClosedError();
    await this.host.listening;
    const link = await this.linkTo(address);
    if (!link) {
      // A rendezvous, or a peer the transport is already linked with: its link comes through onLink.
      if (expectedId === undefined) return undefined;
      const connected = this.host.connected(expectedId);
      if (connected) return connected;
      return this.arrivals.wait(expectedId, {
        timeoutMs: CONNECT_TIMEOUT_MS,
        timeoutMessage: `the handshake of ${expectedId} did not complete within ${CONNECT_TIMEOUT_MS} ms`,
      });
    }
    let settled!: Promise<ConnectionRecord>;
    const inBin = this.binDialect.has(address);
    // The wait starts before the link is attached: bytes the peer already sent are handed over on
    // attach, and its peer list among them would settle the dial then and there.
    const record = this.host.adopt(
      link,
      expectedId,
      (created) => {
        settled = this.connects.wait(created, {
          timeoutMs: CONNECT_TIMEOUT_MS,
          timeoutMessage: `the handshake from ${address} did not complete within ${CONNECT_TIMEOUT_MS} ms`,
          onFail: () => created.close(),
        });
      },
      { binProtocolId: inBin },
    );
    try {
      return await settled;
    } catch (error) {
      // The peer answered our str protocol id in bin, as py2p 0.7.878 does before it hangs up on
      // us (§2.4): dial again, once, in bin.
      if (inBin || !(error instanceof HandshakeRefusedError) || !record.dialect.binProtocolId) throw error;
      this.host.debug.print(1, () => `${address} refused our handshake; dialling again with the protocol id as bin`);
      this.binDialect.add(address);
      return this.open(address, expectedId);
    }
  }

  /** The transport's link to `address`, within CONNECT_TIMEOUT_MS; a link that turns up later is closed. */
  private linkTo(address: string): Promise<Link | null> {
    const key = Symbol(address);
    const dialling = this.host.transport.dial(address);
    const waiting = this.links.wait(key, {
      timeoutMs: CONNECT_TIMEOUT_MS,
      timeoutMessage: `dialling ${address} did not complete within ${CONNECT_TIMEOUT_MS} ms`,
    });
    dialling.then(
      (link) => this.links.resolve(key, link) || link?.close(),
      (error: unknown) => this.links.reject(key, error instanceof Error ? error : new Web2pError(String(error))),
    );
    return waiting;
  }
}
