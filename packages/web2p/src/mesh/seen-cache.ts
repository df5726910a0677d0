/**
 * The waterfall's memory of broadcasts already seen (PROTOCOL.md §4.4), O(1) per message. Entries
 * sit in a Map in insertion order with their expiry, and are pruned from the front. (The gossipsub
 * time-cache has the same shape.) js2p scans a list of every id instead (§11).
 *
 * Expiry counts from arrival, `window` seconds after it, so it grows with insertion order and
 * pruning is never pinned by an early entry: a broadcast dated up to MAX_CLOCK_AHEAD_SECONDS ahead
 * used to be kept until its own date plus the window, and one such entry at the front held every
 * entry behind it (330 MiB after a minute of flooding). A broadcast dated in the past is refused
 * by its date before its entry expires; one dated ahead of our clock is remembered for the window
 * after it arrived rather than after its date, so a copy replayed later than that would be taken
 * once more (relays pass copies on within seconds; a replaying peer runs into its rate limit).
 *
 * Each entry's key is the id's 32 bytes as one flat one-byte string (about 100 bytes an entry with
 * the Map's own; a hex id built by concatenation cost 1.5 KB), and there are at most `maxEntries`:
 * past that the oldest are forgotten first (a copy of one of them arriving again is relayed once
 * more; rate limits bound what that costs).
 */
export class SeenCache {
  private readonly expiries = new Map<string, number>();
  /**
   * The last id looked up and its key: a relayed broadcast is checked once per neighbour it goes to.
   * (It holds that one id, a view of its frame, until the next lookup.)
   */
  private lastId: Uint8Array | undefined;
  private lastKey = '';

  constructor(
    private readonly windowSeconds: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  has(id: Uint8Array): boolean {
    return this.expiries.has(this.key(id));
  }

  /** Remembers `id` for the window from now, unless it is remembered already. */
  add(id: Uint8Array, nowSeconds: number): void {
    const key = this.key(id);
    if (this.expiries.has(key)) return; // remembered from its first arrival: insertion order stays expiry order
    this.expiries.set(key, nowSeconds + this.windowSeconds);
    if (this.expiries.size > this.maxEntries) this.expiries.delete(this.expiries.keys().next().value!);
  }

  private key(id: Uint8Array): string {
    if (id !== this.lastId) {
      this.lastId = id;
      this.lastKey = flatKey(id);
    }
    return this.lastKey;
  }

  /** Forgets ids whose message could no longer be accepted anyway (it would count as expired). */
  prune(nowSeconds: number): void {
    for (const [id, expiry] of this.expiries) {
      if (expiry >= nowSeconds) break;
      this.expiries.delete(id);
    }
  }
}

/** The id's bytes as a flat string of char codes 0-255: V8 keeps it as 32 bytes, not a rope. */
function flatKey(id: Uint8Array): string {
  return String.fromCharCode.apply(null, id as unknown as number[]);
}
