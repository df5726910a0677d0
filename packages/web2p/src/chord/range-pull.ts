/**
 * Pulling the keys of a range a node gains (PROTOCOL.md §14.4 `pull`). A key's node copies each
 * write to the successors it knows; while successor lists still converge, that can skip the node
 * right after its first successor. If the key's node and its first successor then fail, that node
 * becomes responsible for the key with no copy of it, and would answer "absent" while the nodes
 * after it hold replicas. So a node whose range grows (its predecessor is now one further back)
 * asks its successors, where the copies of the range before it are, for what they hold in the part
 * it gained. RangePull is the asking side's state; PullBudget bounds what the answering side sends.
 */
import type { Clock } from '../runtime/clock.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { Connection } from '../mesh/connection.js';
import { PULL_BURST, PULLS_PER_SECOND, RANGE_PULL_MS } from './constants.js';
import type { NodeEntry } from './messages.js';
import { inInterval } from './ring.js';

/** A range (from, to] to pull, and the successors to ask for it now. */
export interface Pull {
  from: number;
  to: number;
  ask: NodeEntry[];
}

export class RangePull {
  /** Where our predecessor stood when we last looked: we hold the keys of (heldFrom, position]. */
  private heldFrom: number | undefined;
  /** The range we gained and are pulling, until when successors new to our list are asked, and who was. */
  private pending: { from: number; to: number; until: number; asked: Set<string> } | undefined;

  constructor(
    private readonly k: number,
    private readonly now: () => number,
  ) {}

  /**
   * Our predecessor now stands at `from` (undefined while we know none), so our range is (from,
   * position]; `successors` are where copies of the range before us are. Returns what to pull from
   * whom, if anything: the part gained since we last looked (with any gain still being pulled),
   * from each successor not asked for it yet. Only a predecessor further back than the last one is
   * a gain (ours failed or left: a closer one replaces it only by joining, and gets keys from us);
   * the first one we see bounds the range we were handed on joining, so nothing is pulled for it.
   */
  check(position: number, from: number | undefined, successors: readonly NodeEntry[]): Pull | undefined {
    const now = this.now();
    if (this.pending && this.pending.until <= now) this.pending = undefined;
    if (from !== undefined && from !== this.heldFrom) {
      const held = this.heldFrom;
      if (held !== undefined && inInterval(held, from, position, this.k)) {
        // A gain right after another (neighbours failing in turn) extends the range being pulled,
        // and everyone is asked for the whole of it again.
        const to = this.pending && this.pending.from === held ? this.pending.to : held;
        this.pending = { from, to, until: now + RANGE_PULL_MS, asked: new Set() };
      }
      this.heldFrom = from;
    }
    const pending = this.pending;
    if (!pending) return undefined;
    const ask = successors.filter((entry) => !pending.asked.has(entry.id));
    for (const entry of ask) pending.asked.add(entry.id);
    return ask.length > 0 ? { from: pending.from, to: pending.to, ask } : undefined;
  }
}

/** How many pulls each neighbour may have answered (PULL_BURST, then PULLS_PER_SECOND). */
export class PullBudget {
  private readonly buckets = new WeakMap<Connection, TokenBucket>();

  constructor(private readonly clock: Clock) {}

  /** Whether a pull from `from` is answered now (spending its share if so). */
  mayAnswer(from: Connection): boolean {
    let bucket = this.buckets.get(from);
    if (!bucket) this.buckets.set(from, (bucket = new TokenBucket(this.clock, PULLS_PER_SECOND, PULL_BURST)));
    return bucket.take();
  }
}
