import type { WireAddress } from '../transport/types.js';
import { REDIAL_BACKOFF_MS, SHORT_LINKS_BEFORE_BACKOFF } from './constants.js';

interface Entry {
  addr: WireAddress;
  /** Virtual ms before which we do not dial it again (after a failed dial). */
  retryAt: number;
  /** Links to it in a row that ended soon after they began (linkEnded). */
  shortLinks: number;
}

/**
 * Peers learned from peer lists, remembered so a socket can refill its outgoing connections after
 * neighbours leave (py2p forgets them, which is why its networks did not heal: upstream #33).
 * Bounded, least recently heard of evicted first.
 */
export class PeerBook {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  remember(id: string, addr: WireAddress): void {
    const known = this.entries.get(id);
    this.entries.delete(id);
    this.entries.set(id, { addr, retryAt: known?.retryAt ?? 0, shortLinks: known?.shortLinks ?? 0 });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  backOff(id: string, until: number): void {
    const entry = this.entries.get(id);
    if (entry) entry.retryAt = until;
  }

  /**
   * A link to `id` ended at `now`, `shortLived` when soon after it began (SHORT_LIVED_LINK_MS). The
   * SHORT_LINKS_BEFORE_BACKOFF-th such link in a row backs the peer off as a failed dial does.
   */
  linkEnded(id: string, now: number, shortLived: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.shortLinks = shortLived ? entry.shortLinks + 1 : 0;
    if (entry.shortLinks >= SHORT_LINKS_BEFORE_BACKOFF) entry.retryAt = now + REDIAL_BACKOFF_MS;
  }

  /** Known peers that may be dialled now. */
  candidates(now: number): Array<[id: string, addr: WireAddress]> {
    const out: Array<[string, WireAddress]> = [];
    for (const [id, entry] of this.entries) if (entry.retryAt <= now) out.push([id, entry.addr]);
    return out;
  }
}
