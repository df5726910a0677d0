/**
 * Whether we read from each peer's link, and why not (issue 16, PROTOCOL.md §14.17): a peer over its budget
 * (connection-limits.ts) and a peer whose frames wait for their turn (fair-reading.ts) each hold
 * its link paused, and it reads again only once nothing holds it. Pausing is how the mesh pushes
 * back: the transport stops taking the peer's bytes (Link.pause), so a fast honest peer waits
 * instead of losing frames, and a flood costs us only what we chose to read.
 */
import type { Clock } from '../runtime/clock.js';
import type { Link } from '../transport/types.js';

/** What holds a link: its peer's budget, or its frames waiting behind other peers'. */
export type HoldReason = 'budget' | 'turn';

export class ReadGate {
  private readonly holds = new Map<Link, { reasons: Set<HoldReason>; since: number }>();

  constructor(
    private readonly clock: Clock,
    /** Called when a link reads again (before its held bytes are handed over), after `pausedMs` paused. */
    private readonly reading: (link: Link, pausedMs: number) => void,
  ) {}

  /** Pauses `link` for `reason`; false when the link cannot pause (then nothing holds it). */
  hold(link: Link, reason: HoldReason): boolean {
    let hold = this.holds.get(link);
    if (!hold) {
      if (!link.pause()) return false;
      this.holds.set(link, (hold = { reasons: new Set(), since: this.clock.now() }));
    }
    hold.reasons.add(reason);
    return true;
  }

  /** Lifts `reason`; the link reads again when nothing else holds it. */
  release(link: Link, reason: HoldReason): void {
    const hold = this.holds.get(link);
    if (!hold?.reasons.delete(reason) || hold.reasons.size > 0) return;
    this.holds.delete(link);
    this.reading(link, this.clock.now() - hold.since);
    link.resume();
  }

  /** Whether `link` is paused (its silence is ours, not the peer's: stall rules skip it). */
  held(link: Link): boolean {
    return this.holds.has(link);
  }

  /** The link ended: nothing to resume. */
  forget(link: Link): void {
    this.holds.delete(link);
  }
}
