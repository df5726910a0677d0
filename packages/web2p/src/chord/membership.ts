/**
 * This node's place on the ring: joining (finding a free position and a successor that accepts
 * it), leaving (handing the keys on), and keeping the place (stabilization every STABILIZE_MS:
 * the successor exchange, missed successors, re-replication, pulling a range gained, fingers).
 * Part of the chord service, whose state it works on.
 */
import { SocketClosedError, TimeoutError, Web2pError } from '../errors.js';
import { every } from '../runtime/clock.js';
import type { MeshContext } from '../mesh/service.js';
import type { ChordService } from './chord-service.js';
import { toHex } from '../wire/packet.js';
import { HANDOFF_ACK_MS, JOIN_TIMEOUT_MS, META_WAIT_MS, STABILIZE_MS } from './constants.js';
import { decodeEntry, encodeMeta, encodeRequest, type Meta, type NodeEntry } from './messages.js';
import { RangePull } from './range-pull.js';
import { idPosition, inInterval, positionAllowed, positionWindow, resolvePosition } from './ring.js';
import type { Item } from './shard.js';
import { whisper } from './whisper.js';

export class Membership {
  /** What the last re-replication pushed: the range start and the replica ids. */
  private replicated: { from: number; to: string } | undefined;
  /** Each successor, by id, that has our keys in its range, and where that range starts (handToSuccessors). */
  private handedTo = new Map<string, number>();
  /** Items of our range that reached us as copies since the last round (pulled, handed over), by key: our replicas get them then. */
  private readonly unreplicated = new Map<string, Item>();
  /** The range we gained and pull, for the position we hold (pullGainedRange); a new one per position taken. */
  private pulls: RangePull | undefined;
  private stopStabilizing: (() => void) | undefined;
  private fingerLookup = false;
  private joining: Promise<void> | undefined;
  /** While joining: told what our successor reports as its predecessor. */
  joinVerdict: ((meta: Meta) => void) | undefined;

  constructor(private readonly node: ChordService) {}

  private get mesh(): MeshContext {
    return this.node.mesh;
  }

  /**
   * Makes this node a storing node. Resolves once its successor has accepted it (and handed over
   * the keys now in its range); rejects when the ring is full or no successor accepts it in time.
   */
  join(): Promise<void> {
    if (this.mesh.closed) return Promise.reject(new SocketClosedError());
    if (this.node.ring.member) return Promise.resolve();
    this.joining ??= this.enterRing().finally(() => (this.joining = undefined));
    return this.mesh.clock.whilePending(this.joining);
  }

  /** Stops storing: hands every key to the successor, and forgets the persisted shard. */
  leave(): Promise<void> {
    return this.mesh.clock.whilePending(this.depart(true));
  }

  private async enterRing(): Promise<void> {
    const saved = await this.node.shard.load(this.mesh.trust === 'legacy');
    // connect(room) resolves before any peer connects: give the first one a moment to arrive, or
    // a node that just met the room would take its position blind and could collide later.
    if (this.mesh.routingTable.size === 0) await this.node.waitFor(() => this.mesh.routingTable.size > 0, META_WAIT_MS);
    await this.refreshNeighbours();
    // Positions follow from ids (PROTOCOL.md §14.18): the derived one, or the first free one of
    // the positionWindow() after it; a saved one is where an earlier probe ended.
    const { k } = this.node;
    const derived = idPosition(this.mesh.id, k);
    const window = positionWindow(k);
    const preferred = saved !== undefined && positionAllowed(this.mesh.id, saved, k) ? saved : derived;
    const taken = new Set<number>();
    const deadline = this.mesh.clock.now() + JOIN_TIMEOUT_MS;
    let candidate = preferred;
    for (;;) {
      if (!(await this.reachRing())) {
        this.mesh.debug.print(2, () => `no storing node around: starting the ring at ${candidate}`);
        this.takePosition(candidate, undefined);
        return this.joinedAt(candidate);
      }
      const found = await this.node.lookups.start(this.node.newRequest('find', candidate));
      const responder = found.responder;
      if (responder.position !== candidate) {
        this.takePosition(candidate, responder);
        const acceptance = await this.accepted(deadline);
        if (acceptance) return this.joinedAt(candidate, acceptance.rangeStart);
        this.abandonPosition();
      }
      taken.add(candidate);
      taken.add(responder.position);
      if (Array.isArray(found.value)) for (const entry of found.value) taken.add(decodeEntry(entry, this.node.k).position);
      const next = resolvePosition(derived, taken, k, window);
      if (next === undefined) {
        const where = window === 2 ** k ? `all 2**${k} positions` : `the ${window} positions from ${derived} on, where this node's id lets it stand,`;
        throw new Web2pError(`the ring is full: ${where} are taken; a larger k makes room`);
      }
      if (this.mesh.clock.now() >= deadline) throw new TimeoutError(`join() found no free position within ${JOIN_TIMEOUT_MS} ms`);
      candidate = next;
    }
  }

  /**
   * Asks every neighbour for its current meta and waits (up to META_WAIT_MS) for the answers: what
   * they said at the handshake may be stale, and a node that wrongly sees no ring starts its own.
   */
  private refreshNeighbours(): Promise<boolean> {
    this.node.freshMeta.clear();
    const ask = encodeMeta(this.node.meta(true));
    for (const conn of this.mesh.routingTable.values()) whisper(conn, ask);
    return this.node.waitFor(() => [...this.mesh.routingTable.keys()].every((id) => this.node.freshMeta.has(id)), META_WAIT_MS);
  }

  /** Whether a storing node is connected, dialling one a neighbour told us about if needed. */
  private async reachRing(): Promise<boolean> {
    if (this.node.ring.storingPeers.size > 0) return true;
    for (const list of [...this.node.heardFrom.values()]) {
      for (const entry of list) {
        if (entry.id === this.mesh.id || this.node.ring.isUnreachable(entry.id)) continue;
        if (await this.node.connectTo(entry)) {
          if (await this.node.waitFor(() => this.node.ring.storingPeers.size > 0, META_WAIT_MS)) return true;
        }
      }
    }
    return false;
  }

  private takePosition(position: number, successor: NodeEntry | undefined): void {
    this.node.ring.take(position, successor);
    this.replicated = undefined;
    this.handedTo.clear();
    this.unreplicated.clear();
    this.pulls = new RangePull(this.node.k, () => this.mesh.clock.now());
    this.stopStabilizing = every(this.mesh.clock, STABILIZE_MS, () => this.stabilize());
    if (successor) this.askSuccessor();
  }

  private dropPosition(): void {
    this.stopStabilizing?.();
    this.stopStabilizing = undefined;
    this.node.ring.drop();
  }

  /**
   * Gives up a position we were not accepted at, and says so: neighbours took us for storing there
   * (our meta while joining names it) and would go on routing requests for it to us.
   */
  private abandonPosition(): void {
    this.dropPosition();
    this.node.announce();
  }

  /**
   * Waits until the successor reports us as its predecessor (the acceptance: resolves with the
   * start of the range it handed us, if it says), or someone else at our position (false).
   */
  private async accepted(deadline: number): Promise<{ rangeStart: number | undefined } | false> {
    let verdict: { rangeStart: number | undefined } | false | undefined;
    this.joinVerdict = ({ pred, predRangeFrom }) => {
      if (pred?.id === this.mesh.id) verdict = { rangeStart: predRangeFrom };
      else if (pred?.position === this.node.ring.position) verdict = false;
    };
    try {
      const settled = await this.node.waitFor(() => verdict !== undefined, Math.max(0, deadline - this.mesh.clock.now()));
      if (!settled) {
        this.abandonPosition();
        throw new TimeoutError(`join(): no successor accepted this node within ${JOIN_TIMEOUT_MS} ms`);
      }
      return verdict!;
    } finally {
      this.joinVerdict = undefined;
    }
  }

  /** Now a member; `rangeStart` bounds what we answer for until we know a predecessor (RingView). */
  private joinedAt(position: number, rangeStart?: number): void {
    this.node.ring.accept(rangeStart);
    this.node.shard.savePosition(position);
    this.node.announce();
    this.mesh.debug.print(2, () => `joined the ring at ${position}`);
    this.mesh.emit('join', position);
  }

  /**
   * Stops storing: every item goes to the successor (which confirms), then neighbours learn we left
   * and who our predecessor and successors were, so they close the gap without waiting a round.
   */
  async depart(forget: boolean): Promise<void> {
    if (this.joining) await this.joining.catch(() => {});
    const { position, pred, successors } = this.node.ring;
    if (position === undefined) return;
    const successor = successors[0];
    const leaving: Meta = { storing: false, position: undefined, pred, list: [...successors], ask: false };
    const items = this.node.shard.all();
    this.dropPosition();
    if (successor && items.length > 0) {
      this.mesh.debug.print(5, () => `leaving: handing ${items.length} keys to ${successor.id}`);
      const confirmed = await this.node.sendConfirmed(successor, 'handoff', items, HANDOFF_ACK_MS);
      if (!confirmed) this.mesh.debug.print(1, () => `leaving: ${successor.id} did not confirm the handoff in ${HANDOFF_ACK_MS} ms`);
    }
    for (const conn of this.mesh.routingTable.values()) whisper(conn, encodeMeta(leaving));
    if (forget) this.node.shard.clear();
    this.mesh.emit('leave');
  }

  /** Someone at our position was accepted instead of us: move to the next free position. */
  reposition(): void {
    this.mesh.debug.print(2, () => `another node holds position ${this.node.ring.position}: moving`);
    void this.depart(false)
      .then(() => this.join())
      .catch((error: unknown) => this.node.reportError(error));
  }

  // ---------------------------------------------------------------- stabilization

  private stabilize(): void {
    if (this.node.ring.position === undefined) return;
    this.node.ring.tidy();
    this.pullGainedRange();
    this.handToSuccessors();
    this.askSuccessor();
    this.approachMissedSuccessor();
    this.replicate();
    this.refreshFingers();
    this.node.shard.purgeTombstones(this.mesh.clock.now());
  }

  /**
   * Hands each successor in our list the keys we hold in its range (the one before it, it]: the
   * first gets (self, successor]. Chord hands keys on when a predecessor joins
   * (ChordService.handToPredecessor) or we leave, but a node that wrote while it was a ring of one
   * answered for every key, and once rings merge its latest versions of keys in other nodes' ranges
   * would stay with it alone, while reads go to those nodes. Sent again only when a successor's range
   * changed, so a settled ring sends nothing (it holds copies of the ranges before it, not after).
   * We keep our copies (a successor that fails would otherwise lose them); receivers keep the
   * higher version. An unconfirmed handoff is sent again the next round.
   */
  private handToSuccessors(): void {
    const { position, member, successors } = this.node.ring;
    if (position === undefined || !member) return;
    const handed = new Map<string, number>();
    let from = position;
    for (const successor of successors) {
      const rangeFrom = from;
      from = successor.position;
      handed.set(successor.id, rangeFrom);
      if (this.handedTo.get(successor.id) === rangeFrom) continue;
      const items = this.node.shard.range(rangeFrom, successor.position);
      if (items.length === 0) continue;
      this.mesh.debug.print(5, () => `handing ${items.length} keys in its range to our successor ${successor.id}`);
      void this.node.sendConfirmed(successor, 'handoff', items, HANDOFF_ACK_MS).then((confirmed) => {
        if (confirmed || this.handedTo.get(successor.id) !== rangeFrom) return;
        this.mesh.debug.print(1, () => `${successor.id} did not confirm the handoff in ${HANDOFF_ACK_MS} ms: sending it again next round`);
        this.handedTo.delete(successor.id);
      });
    }
    this.handedTo = handed;
  }

  /** One stabilization exchange with the successor. */
  askSuccessor(): void {
    const successor = this.node.ring.successors[0];
    if (successor) this.notify(successor);
  }

  /** Our meta as to our successor (Chord's notify), asking for its own in return. */
  private notify(entry: NodeEntry): void {
    void this.node.connectTo(entry).then((conn) => conn && whisper(conn, encodeMeta(this.node.meta(true))));
  }

  /**
   * Joins at once can leave two interleaved loops, each consistent (Chord's "loopy" state), which
   * asking the successor never reveals. The other loop's nodes show up in the successor lists our
   * neighbours send, though: the nearest one between us and our successor is a node we missed. It
   * gets our meta as a successor's would (it takes us for its predecessor if we are closer than
   * its own), and its answer makes it our successor (`storing()`).
   */
  private approachMissedSuccessor(): void {
    const missed = this.node.ring.nearestCloserSuccessor([...this.node.heardFrom.values()].flat());
    if (!missed) return;
    this.mesh.debug.print(2, () => `${missed.id} at ${missed.position} comes before our successor: asking it`);
    this.notify(missed);
  }

  /**
   * When our range grew (our predecessor failed or left), asks our successors for their copies of
   * the part we gained (range-pull.ts): the failed node copied its writes to the successors it
   * knew, which need not have included us. Checked each round and on each meta (ChordService), so
   * the pull goes out as soon as the new predecessor is known; each successor is asked once.
   */
  pullGainedRange(): void {
    const { ring } = this.node;
    if (ring.position === undefined || !ring.member || !this.pulls) return;
    const pull = this.pulls.check(ring.position, ring.pred?.position, ring.replicaSet(this.node.replicas));
    if (!pull) return;
    this.mesh.debug.print(5, () => `our range grew by (${pull.from}, ${pull.to}]: pulling its keys from ${pull.ask.length} successors`);
    const request = encodeRequest({ ...this.node.newRequest('pull', pull.to), final: true, rangeFrom: pull.from });
    for (const target of pull.ask) void this.node.connectTo(target).then((conn) => conn && whisper(conn, request));
  }

  /**
   * Items another node's records made newer here (ChordService.onRecords): those in our range go
   * to our replicas at the next round, as a pull's do (the node that had them may not have copied
   * them to all of ours). Bounded by what we merged, which the quotas bound.
   */
  merged(items: readonly Item[]): void {
    const { position, member, pred } = this.node.ring;
    if (position === undefined || !member || pred === undefined) return;
    for (const item of items) if (inInterval(item.position, pred.position, position, this.node.k)) this.unreplicated.set(toHex(item.key), item);
  }

  /**
   * Copies our whole range to our replicas when either changed (a predecessor joined or failed, a
   * successor joined or failed): new replicas get what they lack, and after a failure the range we
   * inherited gets its copies back; otherwise only the items of our range that came as copies
   * since the last round (merged()). Receivers keep the higher version of each item.
   */
  private replicate(): void {
    const { position, pred } = this.node.ring;
    if (position === undefined || pred === undefined) return;
    const targets = this.node.ring.replicaSet(this.node.replicas);
    const state = { from: pred.position, to: targets.map((t) => t.id).join(' ') };
    const unchanged = this.replicated !== undefined && this.replicated.from === state.from && this.replicated.to === state.to;
    this.replicated = state;
    const items = unchanged ? [...this.unreplicated.values()] : this.node.shard.range(pred.position, position);
    this.unreplicated.clear();
    if (items.length === 0) return;
    this.mesh.debug.print(5, () => `re-replicating ${items.length} keys to ${targets.length} successors`);
    for (const target of targets) void this.node.connectTo(target).then((conn) => conn && this.node.sendRecords(conn, 'replica', items));
  }

  /** Fills fingers from the successor list and looks one distant finger up per round. */
  private refreshFingers(): void {
    const fingers = this.node.ring.fingers;
    const remote = fingers.refresh(this.node.ring.self(), this.node.ring.successors);
    for (const entry of fingers.entries()) void this.node.connectTo(entry);
    if (!remote || this.fingerLookup) return;
    this.fingerLookup = true;
    this.node.lookups
      .start(this.node.newRequest('find', remote.target))
      .then(
        (answer) => {
          if (this.node.ring.position === undefined) return;
          const node = answer.responder.id === this.mesh.id ? undefined : answer.responder;
          fingers.set(remote.index, node);
          if (node) void this.node.connectTo(node);
        },
        () => {},
      )
      .finally(() => (this.fingerLookup = false));
  }
}
