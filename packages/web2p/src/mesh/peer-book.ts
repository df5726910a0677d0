import type { WireAddress } from '../transport/types.js';

interface Entry {
  addr: WireAddress;
  /** Virtual ms before which we do not dial it again (after a failed dial). */
  retryAt: number;
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
    const retryAt = this.entries.get(id)?.retryAt ?? 0;
    this.entries.delete(id);
    this.entries.set(id, { addr, retryAt });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  backOff(id: string, until: number): void {
    const entry = this.entries.get(id);
    if (entry) entry.retryAt = until;
  }

  /** Known peers that may be dialled now. */
  candidates(now: number): Array<[id: string, addr: WireAddress]> {
    const out: Array<[string, WireAddress]> = [];
    for (const [id, entry] of this.entries) if (entry.retryAt <= now) out.push([id, entry.addr]);
    return out;
  }
}
