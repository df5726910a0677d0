/**
 * Whether we read from each peer's link, and why not (issue 16, PROTOCOL.md §14.17): a peer over its budget
 * (connection-limits.ts) and a peer whose frames wait for their turn (fair-reading.ts) each hold
 * its link paused, and it reads again only once nothing holds it. Pausing is how the mesh pushes
 * back: the transport stops taking the peer's bytes (Link.pause), so a fast honest peer waits
 * instead of losing frames, and a flood costs us only what we chose to read.
 */
import type { Link } from '../transport/types.js';

/** What holds a link: its peer's budget, or its frames waiting behind other peers'. */
export type HoldReason = 'budget' | 'turn';

export class ReadGate {
  private readonly holds = new Map<Link, Set<HoldReason>>();

  /** Called when a link reads again (before its held bytes are handed over). */
  constructor(private readonly reading: (link: Link) => void) {}

  /** Pauses `link` for `reason`; false when the link cannot pause (then nothing holds it). */
  hold(link: Link, reason: HoldReason): boolean {
    let reasons = this.holds.get(link);
    if (!reasons) {
      if (!link.pause()) return false;
      this.holds.set(link, (reasons = new Set()));
    }
    reasons.add(reason);
    return true;
  }

  /** Lifts `reason`; the link reads again when nothing else holds it. */
  release(link: Link, reason: HoldReason): void {
    const reasons = this.holds.get(link);
    if (!reasons?.delete(reason) || reasons.size > 0) return;
    this.holds.delete(link);
    this.reading(link);
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
