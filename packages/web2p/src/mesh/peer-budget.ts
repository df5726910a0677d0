/**
 * What one connection may cost us per second, as token buckets on the injected clock: the messages
 * and inflated bytes it sends (its own and those it relays), the node's time its frames take while
 * the node lags, and the answers it asks of us.
 */
import type { Clock } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { NodeLimits } from './node-limits.js';

/**
 * accept: within the rate; over: the peer is over its rate (pause its link, or discard where the
 * link cannot pause); drop: the peer is far over it (dropped where its link cannot pause).
 */
export type Admission = 'accept' | 'over' | 'drop';

export class PeerBudget {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly answers: TokenBucket;
  /** The node's time its frames took while the node lagged (fair-reading.ts). */
  private readonly time: TokenBucket;
  /** Messages over the rate since the peer last kept to it. */
  over = 0;

  constructor(clock: Clock, limits: NodeLimits) {
    this.messages = new TokenBucket(clock, limits.peerMessagesPerSecond, limits.peerMessageBurst);
    this.bytes = new TokenBucket(clock, limits.peerBytesPerSecond, limits.peerByteBurst);
    this.answers = new TokenBucket(clock, limits.answerBytesPerSecond, limits.answerByteBurst);
    this.time = new TokenBucket(clock, limits.peerHandlingMsPerSecond, limits.peerHandlingMsBurst);
  }

  /**
   * Charges one message of `bytes`. Over the rate, messages are still charged: a peer whose link
   * is paused stays in debt for what it had already sent, and one whose link cannot pause, and that
   * keeps flooding, runs its balance down to minus its burst and is dropped there; one that slows
   * down is served again as its balance refills. A peer whose link is `paused` already is charged
   * in full, past the floor: what it had sent before the pause took hold (a read or more in hand)
   * then lengthens the pause by what it cost, so a paused peer is read at its rate exactly.
   */
  admit(bytes: number, paused = false): Admission {
    const floor = paused ? -Infinity : undefined;
    const messages = this.messages.charge(1, floor);
    const left = this.bytes.charge(bytes, floor);
    if (paused) return messages < 0 || left < 0 ? 'over' : 'accept';
    if (messages <= -this.messages.burst || left <= -this.bytes.burst) return 'drop';
    if (messages < 0 || left < 0) {
      this.over++;
      return 'over';
    }
    this.over = 0;
    return 'accept';
  }

  /** Charges `ms` of the node's time spent on its frames; true when it is now over its share. */
  chargeTime(ms: number): boolean {
    return this.time.charge(ms) < 0;
  }

  /** Milliseconds until the peer is within its rates again (every balance back at zero). */
  msUntilWithin(): number {
    return Math.max(this.messages.msUntilSolvent(), this.bytes.msUntilSolvent(), this.time.msUntilSolvent());
  }

  /** Charges bytes learnt after admission (what a compressed body inflated to). */
  chargeBytes(bytes: number): void {
    this.bytes.charge(bytes);
  }

  /** Whether an answer of `bytes` fits this peer's answer budget (and spends it if so). */
  answer(bytes: number): boolean {
    return this.answers.take(bytes);
  }
}
