/**
 * A token bucket: `burst` tokens to start with, refilled at `perSecond`, one spent per message. It
 * lets a client send a burst of ICE candidates at once yet caps what it can sustain.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** Milliseconds from any fixed origin; injected so the bucket can be tested without waiting. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Spends a token if there is one; false means the caller is over the limit. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
