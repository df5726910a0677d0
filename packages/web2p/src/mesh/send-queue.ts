/**
 * Backpressure towards one peer, in one place: what we sent that the peer has not read yet. Every
 * transport's link reports it as `bufferedAmount` (a TCP or TLS socket's write buffer, a
 * WebSocket's, a data channel's plus the link's own queue), so the bound holds on every transport.
 */
import type { Link } from '../transport/types.js';

export class SendQueue {
  constructor(
    private readonly link: Link,
    /** Most bytes that may wait for the peer (NodeLimits.maxSendQueueBytes). */
    readonly maxBytes: number,
  ) {}

  /** Bytes accepted for this peer that have not left yet: the one figure to read for backpressure. */
  get queuedBytes(): number {
    return this.link.bufferedAmount;
  }

  /** Whether the peer has fallen so far behind that it must be dropped. */
  get overflowing(): boolean {
    return this.queuedBytes > this.maxBytes;
  }

  /** Queues `frame`; false when the queue is now over its bound (the caller drops the peer). */
  send(frame: Uint8Array): boolean {
    this.link.send(frame);
    return !this.overflowing;
  }
}
