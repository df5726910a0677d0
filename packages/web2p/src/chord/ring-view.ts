/**
 * What one node believes about its neighbourhood on the ring: its position, predecessor, successor
 * list, fingers, the storing neighbours it can send to, and the nodes it could not reach. It is
 * updated from metas and lost connections and says what changed; the socket does the sending.
 * No I/O, so the stabilization rules are tested on their own (test/unit/chord-ring-view.test.ts).
 */
import type { WireAddress } from '../transport/types.js';
import { DEAD_MEMORY_MS, EXTRA_HOPS, HANDED_RANGE_MS, OFFENDER_MEMORY_MS } from './constants.js';
import { FingerTable, nextHop, successorList, type Hop } from './finger-table.js';
import type { ChordRequest, Meta, NodeEntry } from './messages.js';
import { distance, inInterval } from './ring.js';

/** What a successor's meta means for us. */
export type SuccessorNews = 'conflict' | 'closer' | 'list';

export class RingView {
  /** Set from joining on; undefined when this node does not store. */
  position: number | undefined;
  /** Accepted by the successor: a full member (position alone is set while joining too). */
  member = false;
  pred: NodeEntry | undefined;
  /** Where the range (start, pred] we handed our predecessor when we took it starts; sent in our meta. */
  predRangeFrom: number | undefined;
  /**
   * The start of the range (start, position] our successor handed us when it accepted us, and
   * until when it counts (HANDED_RANGE_MS). Until a predecessor at or inside it is known, it bounds
   * what we answer for: positions before it are not in our shard.
   */
  private handed: { from: number; until: number } | undefined;
  successors: NodeEntry[] = [];
  readonly fingers: FingerTable;
  /** Storing neighbours (connected, meta received) by id: where a request can go. */
  readonly storingPeers = new Map<string, NodeEntry>();
  /** Node id → until when it is taken for unreachable. */
  private readonly unreachable = new Map<string, number>();
  /** Node id → until when it is kept off the ring for a signed lie or a forgery (OFFENDER_MEMORY_MS). */
  private readonly offenders = new Map<string, number>();

  constructor(
    private readonly selfId: string,
    private readonly selfAddr: () => WireAddress,
    readonly k: number,
    /** Successor-list length. */
    private readonly size: number,
    private readonly now: () => number,
  ) {
    this.fingers = new FingerTable(k);
  }

  self(): NodeEntry {
    return { id: this.selfId, position: this.position!, addr: this.selfAddr() };
  }

  /** Starts at `position` (joining), knowing only the successor found there, if any. */
  take(position: number, successor: NodeEntry | undefined): void {
    this.position = position;
    this.member = false;
    this.setPred(undefined, undefined);
    this.handed = undefined;
    this.successors = successor ? [successor] : [];
    this.fingers.clear();
  }

  /** Leaves the ring (the storing neighbours stay: we still route through them). */
  drop(): void {
    this.position = undefined;
    this.member = false;
    this.setPred(undefined, undefined);
    this.handed = undefined;
    this.successors = [];
    this.fingers.clear();
  }

  isUnreachable(id: string): boolean {
    return (this.unreachable.get(id) ?? 0) > this.now() || this.isOffender(id);
  }

  /**
   * A node answered with a forgery or a signed lie (PROTOCOL.md §14.18): it is kept out of our
   * view of the ring for OFFENDER_MEMORY_MS, whatever it says meanwhile, so that requests stop
   * going to it even though it reconnects at once.
   */
  markOffender(id: string): void {
    this.offenders.set(id, this.now() + OFFENDER_MEMORY_MS);
    this.storingPeers.delete(id);
    this.markUnreachable(id);
  }

  /** Whether `id` is kept out as an offender (see markOffender). */
  isOffender(id: string): boolean {
    const until = this.offenders.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.offenders.delete(id);
    return false;
  }

  /** A dial failed or a storing neighbour's connection died: keep it out for DEAD_MEMORY_MS. */
  markUnreachable(id: string): void {
    this.unreachable.set(id, this.now() + DEAD_MEMORY_MS);
    this.forget(id);
  }

  /** Our successor accepted us, handing us the keys in (rangeStart, position]. */
  accept(rangeStart: number | undefined): void {
    this.member = true;
    this.handed = rangeStart === undefined ? undefined : { from: rangeStart, until: this.now() + HANDED_RANGE_MS };
  }

  /**
   * The start of the range we were handed, while it still bounds ours more tightly than the
   * predecessor does; undefined once it no longer matters.
   */
  get rangeStart(): number | undefined {
    const handed = this.handed;
    if (handed === undefined || handed.until <= this.now()) return undefined;
    return this.pred === undefined || strictlyBetween(handed.from, this.pred.position, this.position!, this.k) ? handed.from : undefined;
  }

  /** Takes a node off the predecessor, successor list and fingers. */
  forget(id: string): void {
    if (this.pred?.id === id) this.setPred(undefined, undefined);
    this.successors = this.successors.filter((entry) => entry.id !== id);
    this.fingers.forget(id);
  }

  /** A neighbour's connection closed. */
  peerGone(id: string): void {
    if (this.storingPeers.delete(id)) this.markUnreachable(id);
    else this.forget(id);
  }

  /**
   * A storing neighbour's meta: a closer successor, whoever tells us; a closer predecessor only
   * when it asks (it takes us for its successor: Chord's notify). Any node could be a closer
   * successor, but a far node taken for our predecessor would make us answer for its whole arc.
   * Returns the range (from, to] that became the new predecessor's, to hand over, when it changed.
   */
  storing(entry: NodeEntry, notify: boolean): { from: number; to: number } | undefined {
    if (this.isOffender(entry.id)) return undefined;
    this.storingPeers.set(entry.id, entry);
    this.unreachable.delete(entry.id);
    const self = this.position;
    if (self === undefined || !this.member || entry.position === self) return undefined;
    let moved: { from: number; to: number } | undefined;
    if (notify && (this.pred === undefined || strictlyBetween(entry.position, this.pred.position, self, this.k))) {
      // Not knowing the old predecessor, everything outside our new range goes (all we were
      // handed when we joined, or everything we hold).
      const rangeStart = this.rangeStart;
      const from = this.pred?.position ?? rangeStart ?? self;
      moved = entry.position === from ? undefined : { from, to: entry.position };
      // A node further away than the range we were handed gets none of its own keys from us (they
      // are with that range's old holder): we name it an empty range, (its position, its position].
      const outside = rangeStart !== undefined && !strictlyBetween(entry.position, rangeStart, self, this.k);
      this.setPred(entry, outside && moved ? entry.position : moved?.from);
    }
    const successor = this.successors[0];
    if (successor === undefined || strictlyBetween(entry.position, self, successor.position, this.k)) {
      this.successors = [entry, ...this.successors.filter((s) => s.id !== entry.id)].slice(0, this.size);
    }
    return moved;
  }

  /** Of `entries` (heard of, not necessarily connected), the nearest reachable one strictly between us and our successor. */
  nearestCloserSuccessor(entries: readonly NodeEntry[]): NodeEntry | undefined {
    const self = this.position;
    const successor = this.successors[0];
    if (self === undefined || successor === undefined) return undefined;
    const missed = entries.filter((entry) => {
      if (entry.id === this.selfId || this.isUnreachable(entry.id)) return false;
      return strictlyBetween(entry.position, self, successor.position, this.k);
    });
    return nearestClockwise(self, missed, this.k);
  }

  /**
   * Our successor's meta: someone else at our position ('conflict'), a node between us to take as
   * successor instead ('closer': ask it next), or its successor list to make ours ('list').
   */
  fromSuccessor(successor: NodeEntry, meta: Meta): SuccessorNews {
    const theirPred = meta.pred;
    if (theirPred && theirPred.id !== this.selfId && !this.isUnreachable(theirPred.id)) {
      if (theirPred.position === this.position) return 'conflict';
      if (strictlyBetween(theirPred.position, this.position!, successor.position, this.k)) {
        this.successors = [theirPred, successor, ...this.successors.slice(1)].slice(0, this.size);
        return 'closer';
      }
    }
    this.successors = successorList(this.self(), successor, meta.list, this.size, this.k, (id) => this.isUnreachable(id));
    return 'list';
  }

  /**
   * A storing neighbour says it stopped storing: close the gap with the predecessor and
   * successors it reported, without waiting for a stabilization round.
   */
  left(id: string, meta: Meta): void {
    if (!this.storingPeers.delete(id)) return;
    const wasPred = this.pred?.id === id;
    const wasSuccessor = this.successors[0]?.id === id;
    this.forget(id);
    if (this.position === undefined) return;
    if (wasPred) this.handed = undefined; // it handed us its keys: its range is ours now
    if (wasPred && meta.pred && meta.pred.id !== this.selfId) this.setPred(meta.pred, undefined);
    const [first, ...rest] = meta.list;
    if (wasSuccessor && this.successors.length === 0 && first) {
      this.successors = successorList(this.self(), first, rest, this.size, this.k, (other) => other === id || this.isUnreachable(other));
    }
  }

  /** Each stabilization round: forget old unreachability; with no successor left, the nearest storing neighbour clockwise. */
  tidy(): void {
    const now = this.now();
    for (const [id, until] of this.unreachable) if (until <= now) this.unreachable.delete(id);
    if (this.successors.length > 0 || this.position === undefined) return;
    const self = this.position;
    const best = nearestClockwise(self, [...this.storingPeers.values()].filter((entry) => entry.position !== self), this.k);
    if (best) this.successors = [best];
  }

  /** Where a request goes next; undefined when nowhere now, or when it has made too many hops. */
  hop(request: ChordRequest): Hop | undefined {
    if (request.hops > 2 * this.k + EXTRA_HOPS) return undefined;
    const candidates = [...this.storingPeers.values()];
    if (this.position !== undefined && !this.member) {
      // Still joining: until our successor accepts us (its keys for our range arrive just before
      // that), it answers for the range, and we route like a node that does not store.
      const successor = this.successors[0];
      if (request.final && successor && this.storingPeers.has(successor.id)) return { to: successor, final: true };
      return nextHop({ position: undefined, pred: undefined, successors: [] }, request.position, candidates, this.k, request.final);
    }
    // The handed range bounds what we answer from the shard; a find asks about the ring, not the data.
    const rangeStart = request.kind === 'find' ? undefined : this.rangeStart;
    const view = { position: this.position, pred: this.pred, rangeStart, successors: this.successors };
    return nextHop(view, request.position, candidates, this.k, request.final);
  }

  /** A new predecessor, and the start of the range we handed it, if we did. */
  private setPred(pred: NodeEntry | undefined, rangeFrom: number | undefined): void {
    this.pred = pred;
    this.predRangeFrom = pred && rangeFrom;
    // A predecessor at or inside the handed range bounds ours from now on, even once it is gone.
    if (pred && this.rangeStart === undefined) this.handed = undefined;
  }

  /**
   * Whether `responder` may be the node responsible for position `p` as far as we know the ring:
   * no storing node we know of (our storing neighbours, and us once a member) stands between p
   * and it. What a requester checks of whoever acknowledged a write or answered a read
   * (PROTOCOL.md §14.18); positions are derived from ids, so a node cannot claim a better one.
   */
  responsibleFor(responder: NodeEntry, p: number): boolean {
    const gap = distance(p, responder.position, this.k);
    const known = [...this.storingPeers.values()];
    if (this.member) known.push(this.self());
    return !known.some((entry) => entry.id !== responder.id && distance(p, entry.position, this.k) < gap);
  }

  /** The storing neighbour first at or after position `p`: the key's node as far as we know. */
  firstAtOrAfter(p: number): NodeEntry | undefined {
    let best: NodeEntry | undefined;
    for (const entry of this.storingPeers.values()) {
      if (!best || distance(p, entry.position, this.k) < distance(p, best.position, this.k)) best = entry;
    }
    return best;
  }

  /**
   * The storing nodes after `position` clockwise, nearest first, of those we know of (neighbours,
   * successors, and `heard` lists): where copies of a key held at `position` are (its replicas).
   */
  nodesAfter(position: number, heard: readonly NodeEntry[], count: number): NodeEntry[] {
    const byId = new Map<string, NodeEntry>();
    for (const entry of [...this.storingPeers.values(), ...this.successors, ...heard]) {
      if (entry.position !== position && entry.id !== this.selfId && !this.isUnreachable(entry.id)) byId.set(entry.id, entry);
    }
    const after = (entry: NodeEntry) => distance(position, entry.position, this.k);
    return [...byId.values()].sort((a, b) => after(a) - after(b)).slice(0, count);
  }

  /**
   * Like nodesAfter, with this node among them when it stores: the nodes that should hold copies
   * of a key held at `position`, as a writer checks its write's replicas (PROTOCOL.md §14.18).
   */
  replicasAfter(position: number, heard: readonly NodeEntry[], count: number): NodeEntry[] {
    const others = this.nodesAfter(position, heard, count);
    if (this.position === undefined || !this.member || this.position === position) return others;
    const after = (entry: NodeEntry) => distance(position, entry.position, this.k);
    return [...others, this.self()].sort((a, b) => after(a) - after(b)).slice(0, count);
  }

  /** The successors that hold copies of our range: the first `replicas` of them. */
  replicaSet(replicas: number): NodeEntry[] {
    return this.successors.slice(0, replicas);
  }
}

/** Of `entries`, the first one clockwise after `from`. */
function nearestClockwise(from: number, entries: readonly NodeEntry[], k: number): NodeEntry | undefined {
  let best: NodeEntry | undefined;
  for (const entry of entries) {
    if (!best || distance(from, entry.position, k) < distance(from, best.position, k)) best = entry;
  }
  return best;
}

/** x in the open interval (a, b) clockwise; the whole ring but a when a == b. */
function strictlyBetween(x: number, a: number, b: number, k: number): boolean {
  return x !== a && x !== b && inInterval(x, a, b, k);
}
