/**
 * Backpressure towards one peer, in one place: what we sent that the peer has not read yet, and what
 * waits for the pace its budget allows (send-pacer.ts). Every transport's link reports the first as
 * `bufferedAmount` (a TCP or TLS socket's write buffer, a WebSocket's, a data channel's plus the
 * link's own queue), so the bound holds on every transport.
 */
import type { Clock } from '../runtime/clock.js';
import type { Link } from '../transport/types.js';
import { SendPacer, type PaceCost, type PaceTerms } from './send-pacer.js';
import type { HeldFrames, SendQueueTotal } from './send-queue-total.js';

export class SendQueue {
  private readonly pacer: SendPacer;
  /** This queue's share of the node's total (send-queue-total.ts). */
  private readonly held: HeldFrames;

  constructor(
    private readonly link: Link,
    /** Most bytes that may wait for the peer (NodeLimits.maxSendQueueBytes). */
    readonly maxBytes: number,
    clock: Clock,
    terms: PaceTerms,
    total: SendQueueTotal,
    /** Paced frames left for the link. */
    released: () => void,
  ) {
    this.pacer = new SendPacer(clock, terms, (frame) => link.send(frame), released);
    this.held = total.track(() => this.queuedBytes);
  }

  /** Bytes accepted for this peer that have not left yet: the one figure to read for backpressure. */
  get queuedBytes(): number {
    return this.link.bufferedAmount + this.pacer.waitingBytes;
  }

  /** Bytes waiting for the pace (not yet handed to the link). */
  get pacedBytes(): number {
    return this.pacer.waitingBytes;
  }

  /** Relays skipped because the pace would have held them too long (send-pacer.ts). */
  get skippedRelays(): number {
    return this.pacer.skippedRelays;
  }

  /**
   * Queues `frame` at the pace: 'skipped' when it was a relay the pace would hold too long,
   * 'overflowing' when the queue is now over its bound (the caller drops the peer).
   */
  send(frame: Uint8Array, cost: PaceCost): 'queued' | 'skipped' | 'overflowing' {
    if (!this.pacer.send(frame, cost)) return 'skipped';
    // Read once for both: a data channel's bufferedAmount is a call into the engine on every send.
    const queued = this.queuedBytes;
    this.held.add(frame, queued);
    return queued > this.maxBytes ? 'overflowing' : 'queued';
  }

  /** The link reported bytes gone (its 'drain'): the frames that left stop counting (send-queue-total.ts). */
  drained(): void {
    this.held.settle();
  }

  /** Hands what waits for the pace to the link (a graceful close delivers everything sent). */
  flush(): void {
    this.pacer.flush();
  }

  /** The connection is gone: nothing waiting is sent. */
  stop(): void {
    this.pacer.stop();
    this.held.releaseAll();
  }
}
