/**
 * The routing state of one chord node as pure functions and a small table: which neighbour a
 * request goes to next, how a successor list is rebuilt from the successor's, and where each finger
 * points. No I/O, so it is tested on its own (test/unit/chord-finger-table.test.ts).
 */
import type { NodeEntry } from './messages.js';
import { distance, fingerTarget, inInterval } from './ring.js';

/** Where a request for a position goes from here. */
export type Hop = { to: NodeEntry; final: boolean } | 'self';

/** What routing needs to know about this node; `position` undefined when it does not store. */
export interface RoutingView {
  position: number | undefined;
  pred: NodeEntry | undefined;
  /**
   * The start of the range this node was handed on joining, when it bounds what the node answers
   * for more tightly than `pred` (messages.ts meta): it answers only inside (rangeStart, position],
   * which is empty when rangeStart is the position itself.
   */
  rangeStart?: number | undefined;
  successors: readonly NodeEntry[];
}

/**
 * The next hop for position `p` (classic Chord, recursive): answer here when p is in (pred, self]
 * or this node is alone; send to the successor as the final hop when p is in (self, successor];
 * otherwise to the candidate closest before p (the closest preceding finger, over every storing
 * neighbour we know a position for, which can only be as good or better). Each such hop at least
 * halves the distance to p's predecessor, so a lookup takes at most k hops with correct fingers.
 * `candidates` are the storing neighbours a message can be sent to now; undefined means nobody.
 *
 * A `final` request was sent here as p's successor. It is answered here, unless our predecessor
 * (which the sender may not know yet: it just joined) holds p, and then it goes back there, still
 * final. Such backward steps stay between the sender and us, so they end. A node just accepted
 * that knows the range it was handed answers for that range only, and sends a final request for
 * a position between its predecessor (if any) and that range on, since its shard has nothing
 * there: to the first node it knows from p on (p's successor as far as it can tell, still final),
 * else through routing.
 */
export function nextHop(
  view: RoutingView,
  p: number,
  candidates: readonly NodeEntry[],
  k: number,
  final = false,
): Hop | undefined {
  const self = view.position;
  if (self === undefined) return closestAtOrBefore(p, candidates, k, undefined);
  const successor = view.successors[0];
  if (successor === undefined) return 'self';
  const pred = view.pred;
  const rangeStart = view.rangeStart;
  const from = rangeStart ?? pred?.position;
  // A handed range that starts at our own position is empty (RingView.storing), not the whole ring.
  if (from !== undefined && from !== self && inInterval(p, from, self, k)) return 'self';
  if (final) {
    if (rangeStart !== undefined && (pred === undefined || inInterval(p, pred.position, self, k))) {
      return firstFrom(p, rangeStart, candidates, k) ?? closestAtOrBefore(p, candidates, k, undefined) ?? 'self';
    }
    return pred !== undefined && candidates.some((c) => c.id === pred.id) ? { to: pred, final: true } : 'self';
  }
  if (inInterval(p, self, successor.position, k)) {
    // Our successor holds p. Until we are connected to it (it is dialled at the next round), the
    // first later successor we can reach steps the request back to it (final requests go to the
    // predecessor) rather than the request being dropped for want of a route.
    const reachable = view.successors.find((s) => candidates.some((c) => c.id === s.id));
    if (reachable) return { to: reachable, final: true };
  }
  return closestAtOrBefore(p, candidates, k, self);
}

/** The candidate first clockwise from p, itself included, up to `last`: p's successor among them. */
function firstFrom(p: number, last: number, candidates: readonly NodeEntry[], k: number): Hop | undefined {
  let best: NodeEntry | undefined;
  for (const candidate of candidates) {
    const gap = distance(p, candidate.position, k);
    if (gap <= distance(p, last, k) && (!best || gap < distance(p, best.position, k))) best = candidate;
  }
  return best && { to: best, final: true };
}

/**
 * The candidate at or closest before p going clockwise (final when it sits exactly at p, which
 * makes it p's successor), restricted to (after, p] when `after` is given.
 */
function closestAtOrBefore(
  p: number,
  candidates: readonly NodeEntry[],
  k: number,
  after: number | undefined,
): Hop | undefined {
  let best: NodeEntry | undefined;
  let bestGap = Infinity;
  for (const candidate of candidates) {
    if (after !== undefined && (candidate.position === after || !inInterval(candidate.position, after, p, k))) continue;
    const gap = distance(candidate.position, p, k);
    if (gap < bestGap) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best && { to: best, final: bestGap === 0 };
}

/**
 * A successor list: `first`, then the successor's own list, skipping this node, the unwanted
 * (crashed) and repeats, and stopping where the list would wrap past this node, at `size` entries.
 */
export function successorList(
  self: NodeEntry,
  first: NodeEntry,
  theirs: readonly NodeEntry[],
  size: number,
  k: number,
  unwanted: (id: string) => boolean,
): NodeEntry[] {
  const out: NodeEntry[] = [];
  let last = self.position;
  for (const entry of [first, ...theirs]) {
    if (out.length >= size) break;
    if (entry.id === self.id || unwanted(entry.id) || out.some((e) => e.id === entry.id)) continue;
    // Each entry must lie further clockwise than the one before; otherwise it wrapped past us.
    if (out.length > 0 && distance(self.position, entry.position, k) <= distance(self.position, last, k)) break;
    out.push(entry);
    last = entry.position;
  }
  return out;
}

/** k finger slots: finger i is the successor of (position + 2**i). */
export class FingerTable {
  private readonly slots: Array<NodeEntry | undefined>;
  private cursor = 0;

  constructor(readonly k: number) {
    this.slots = new Array<NodeEntry | undefined>(k).fill(undefined);
  }

  get(i: number): NodeEntry | undefined {
    return this.slots[i];
  }

  set(i: number, entry: NodeEntry | undefined): void {
    this.slots[i] = entry;
  }

  /** Distinct nodes in the table. */
  entries(): NodeEntry[] {
    const byId = new Map<string, NodeEntry>();
    for (const entry of this.slots) if (entry) byId.set(entry.id, entry);
    return [...byId.values()];
  }

  forget(id: string): void {
    for (let i = 0; i < this.k; i++) if (this.slots[i]?.id === id) this.slots[i] = undefined;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.cursor = 0;
  }

  /**
   * Fills every finger whose target falls within the successor list (no lookup needed) and returns
   * the target of the next finger beyond it, round-robin, for one lookup per round; undefined when
   * the list covers them all.
   */
  refresh(self: NodeEntry, successors: readonly NodeEntry[]): { index: number; target: number } | undefined {
    let remote: { index: number; target: number } | undefined;
    for (let step = 0; step < this.k; step++) {
      const i = (this.cursor + step) % this.k;
      const target = fingerTarget(self.position, i, this.k);
      const covering = coveringSuccessor(self.position, target, successors, this.k);
      if (covering) this.slots[i] = covering;
      else remote ??= { index: i, target };
    }
    if (remote) this.cursor = (remote.index + 1) % this.k;
    return remote;
  }
}

/** The first successor s with target in (previous, s], when the list reaches that far. */
export function coveringSuccessor(
  self: number,
  target: number,
  successors: readonly NodeEntry[],
  k: number,
): NodeEntry | undefined {
  let previous = self;
  for (const entry of successors) {
    if (inInterval(target, previous, entry.position, k)) return entry;
    previous = entry.position;
  }
  return undefined;
}
