/**
 * A peer connection as everyone outside the mesh core sees it: user handlers, the routing table,
 * the sync and chord services. It reads the connection's record but cannot change it; only the
 * ConnectionManager that owns the record does (connection-record.ts).
 */
import type { Link, WireAddress } from '../transport/types.js';
import type { Packet } from '../wire/packet.js';
import type { ConnectionRecord } from './connection-record.js';

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

  /** True when this side dialled. */
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

  /** Hangs up; the mesh forgets the peer once the link reports it closed. */
  close(): void {
    this.record.close();
  }

  toString(): string {
    return this.record.toString();
  }
}
