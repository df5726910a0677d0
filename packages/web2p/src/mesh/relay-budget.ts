/**
 * What we relay for each neighbour (issue 16): broadcasts that came from one connection are passed
 * on at most at a set rate, so one neighbour flooding us (within its own budget) takes only its
 * share of what we send onwards, and the neighbours downstream keep room for everyone else's.
 * Over it, a broadcast is still delivered here, only not relayed.
 */
import type { Clock } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { ConnectionRecord } from './connection-record.js';

export class RelayBudget {
  private readonly buckets = new WeakMap<ConnectionRecord, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Whether a broadcast that came from `from` may be relayed now (and spends its share if so). */
  mayRelay(from: ConnectionRecord): boolean {
    let bucket = this.buckets.get(from);
    if (!bucket) this.buckets.set(from, (bucket = new TokenBucket(this.clock, this.perSecond, this.burst)));
    return bucket.take();
  }
}
