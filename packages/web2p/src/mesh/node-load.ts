/**
 * Whether this node lags behind what its peers send (issue 16, PROTOCOL.md §14.17): only then does
 * the time a peer's frames take count against its time budget (peer-budget.ts), so an idle node
 * still lets one fast peer use all of it. Every turn that handles frames (fair-reading.ts) is
 * weighed, one clock read for its length: the node lags when the turn waited for the event loop
 * over `laggingTurnMs` (a deferred turn), when the turn itself held the event loop that long
 * (everyone else's frames waited behind it: a flood of large frames, a few per read, never waits
 * for a turn of its own), or when handling frames took more than `busyShare` of the node's time
 * over the last second or so.
 */
import type { Clock } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { NodeLimits } from './node-limits.js';

export class NodeLoad {
  /** The node's time left for frames: refilled at `busyShare` of a second per second, a second's worth at most. */
  private readonly free: TokenBucket;

  constructor(
    clock: Clock,
    private readonly limits: Pick<NodeLimits, 'laggingTurnMs' | 'busyShare'>,
  ) {
    const msPerSecond = 1000 * limits.busyShare;
    this.free = new TokenBucket(clock, msPerSecond, msPerSecond);
  }

  /** A turn took `ms` after waiting `lagMs` for its task: whether the node lags now. */
  turn(ms: number, lagMs: number): boolean {
    const overShare = this.free.charge(ms) < 0;
    const { laggingTurnMs } = this.limits;
    return overShare || lagMs >= laggingTurnMs || ms >= laggingTurnMs;
  }
}
