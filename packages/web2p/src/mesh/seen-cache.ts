/**
 * The waterfall's memory of broadcasts already seen (PROTOCOL.md §4.4), O(1) per message. Entries
 * sit in a Map in insertion order with their expiry, and are pruned from the front: expiry is
 * `max(arrival, message time) + window`, which grows with arrival except for messages dated in the
 * future, which are bounded by MAX_CLOCK_AHEAD_SECONDS and only delay pruning by that much. (The
 * gossipsub time-cache has the same shape.) js2p scans a list of every id instead (§11).
 */
export class SeenCache {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly windowSeconds: number) {}

  get size(): number {
    return this.expiries.size;
  }

  has(id: string): boolean {
    return this.expiries.has(id);
  }

  add(id: string, messageTime: number, nowSeconds: number): void {
    this.expiries.set(id, Math.max(messageTime, nowSeconds) + this.windowSeconds);
  }

  /** Forgets ids whose message could no longer be accepted anyway (it would count as expired). */
  prune(nowSeconds: number): void {
    for (const [id, expiry] of this.expiries) {
      if (expiry >= nowSeconds) break;
      this.expiries.delete(id);
    }
  }
}
