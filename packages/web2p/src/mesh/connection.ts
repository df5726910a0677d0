/**
 * A peer connection as everyone outside the mesh core sees it: user handlers, the routing table,
 * the sync and chord services. It reads the connection's record but cannot change it; only the
 * ConnectionManager that owns the record does (connection-record.ts).
 */
import type { Link, WireAddress } from '../transport/types.js';
import type { Packet } from '../wire/packet.js';
import type { ConnectionRecord } from './connection-record.js';
import type { PeerDialect } from './peer-dialect.js';

/**
 * A link to one peer, as handlers see it (`registerHandler((msg, conn) => …)`): `conn.send()` whispers
 * to that peer alone. The socket makes and owns connections.
 */
export class Connection {
  constructor(private readonly record: ConnectionRecord) {}

  /** The peer's node id, once its handshake arrived. */
  get id(): string | undefined {
    return this.record.id;
  }

  /** The peer's advertised [host, port] from its handshake. */
  get addr(): WireAddress | undefined {
    return this.record.addr;
  }

  /** The compression methods the peer offers, in its order (as last renegotiated). */
  get compression(): readonly number[] {
    return this.record.compression;
  }

  /** What the peer expects on the wire, from its handshake (peer-dialect.ts). */
  get dialect(): PeerDialect {
    return this.record.dialect;
  }

  /**
   * How far the peer's clock is ahead of ours, in whole seconds (negative: behind), from the time it
   * dated its handshake; 30 s or more apart is reported as a ClockSkewError.
   */
  get clockAheadSeconds(): number {
    return this.record.clockAheadSeconds;
  }

  /** Whether we dialled this peer (else it dialled us). */
  get outgoing(): boolean {
    return this.record.link.outgoing;
  }

  /** The transport link underneath (for diagnostics: its buffered amount, its remote address). */
  get link(): Link {
    return this.record.link;
  }

  /** Hung up or lost. */
  get closed(): boolean {
    return this.record.closed;
  }

  /** Sends `[flag, ourId, now, type, ...packets]` to this peer (py2p's `conn.send`). */
  send(flag: number, type: Packet, ...packets: Packet[]): void {
    this.record.send(flag, type, ...packets);
  }

  /** Closes the link; the peer leaves the routing table. */
  close(): void {
    this.record.close();
  }

  /** A readable form, for logs. */
  toString(): string {
    return this.record.toString();
  }
}
