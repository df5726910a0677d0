import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { ConnectionRecord } from './connection-record.js';

/**
 * Connections that lost a double-dial conflict (PROTOCOL.md §4.8). Each end may already have sent
 * on the loser before it saw the second handshake (a message sent from the 'peer' event, say), so
 * the loser is not cut at once: nothing new is sent on it, what arrives on it is still read, and it
 * closes after a grace period.
 */
export class RetiringConnections {
  private readonly timers = new Map<ConnectionRecord, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {}

  retire(conn: ConnectionRecord): void {
    if (conn.closed || this.timers.has(conn)) return;
    this.timers.set(
      conn,
      this.clock.setTimeout(() => {
        this.timers.delete(conn);
        conn.close();
      }, this.graceMs),
    );
  }

  /** Closes every retiring connection now (the socket is closing). */
  closeAll(): void {
    for (const [conn, timer] of this.timers) {
      this.clock.clearTimeout(timer);
      conn.close();
    }
    this.timers.clear();
  }
}
