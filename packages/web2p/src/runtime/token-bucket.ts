import type { Clock } from './clock.js';

/**
 * A token bucket on the injected clock: `burst` tokens to start with, refilled at `perSecond`.
 * Callers spend what a thing costs (one message, its bytes); the balance may go into debt down to
 * `-burst`, so a peer a little over its rate is throttled and one far over it is found out.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** The balance now, refilled for the time since the last look. */
  get balance(): number {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
    }
    return this.tokens;
  }

  /** Spends `cost` if the balance covers it; false (nothing spent) otherwise. */
  take(cost = 1): boolean {
    if (this.balance < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Spends `cost` whatever the balance, down to `floor` (`-burst` unless told) at most; returns the balance left. */
  charge(cost: number, floor = -this.burst): number {
    this.tokens = Math.max(floor, this.balance - cost);
    return this.tokens;
  }

  /** Milliseconds until the balance covers `cost` (0 when it does already). */
  msUntil(cost: number): number {
    return Math.max(0, ((cost - this.balance) / this.perSecond) * 1000);
  }

  /** Milliseconds until the balance is back at zero (0 when it is there already). */
  msUntilSolvent(): number {
    return Math.max(0, (-this.balance / this.perSecond) * 1000);
  }
}
