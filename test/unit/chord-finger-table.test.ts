/** Chord routing state as pure functions (packages/web2p/src/chord/finger-table.ts), on a ring of 2**6. */
import { describe, expect, it } from 'vitest';
import { FingerTable, coveringSuccessor, nextHop, successorList, type RoutingView } from '../../packages/web2p/src/chord/finger-table.js';
import type { NodeEntry } from '../../packages/web2p/src/chord/messages.js';
import { successorOf } from '../../packages/web2p/src/chord/ring.js';
import { SeededRandom } from '../../packages/web2p/src/runtime/random.js';

const K = 6;
const node = (position: number): NodeEntry => ({ id: `n${position}`, position, addr: ['sim', position] });
const ring = [1, 8, 14, 21, 32, 38, 42, 48, 51, 56].map(node);
const at = (position: number): NodeEntry => ring.find((n) => n.position === position)!;

/** The correct view of node `position`: its predecessor and successors on `ring`. */
function viewOf(position: number, successors = 3): RoutingView {
  const i = ring.findIndex((n) => n.position === position);
  return {
    position,
    pred: ring[(i - 1 + ring.length) % ring.length],
    successors: Array.from({ length: successors }, (_, j) => ring[(i + 1 + j) % ring.length]!),
  };
}

/** What a node is connected to on a correct ring: successors and correct fingers. */
function neighboursOf(position: number): NodeEntry[] {
  const sorted = ring.map((n) => n.position);
  const fingers = Array.from({ length: K }, (_, i) => successorOf((position + 2 ** i) % 2 ** K, sorted, K)!);
  return [...new Set([...viewOf(position).successors.map((s) => s.position), ...fingers])].filter((p) => p !== position).map(at);
}

describe('nextHop', () => {
  it('answers here for (pred, self], and a node alone answers everything', () => {
    expect(nextHop(viewOf(21), 15, [], K)).toBe('self');
    expect(nextHop(viewOf(21), 21, [], K)).toBe('self');
    expect(nextHop(viewOf(1), 60, [], K)).toBe('self'); // wraps: (56, 1]
    expect(nextHop({ position: 9, pred: undefined, successors: [] }, 40, [], K)).toBe('self');
  });

  it('sends to the successor as the final hop when p is in (self, successor]', () => {
    expect(nextHop(viewOf(21), 30, neighboursOf(21), K)).toEqual({ to: at(32), final: true });
  });

  it('otherwise to the closest preceding neighbour, final when it sits exactly at p', () => {
    expect(nextHop(viewOf(1), 50, neighboursOf(1), K)).toEqual({ to: at(38), final: false });
    // 1's neighbours: successors 8, 14, 21 and fingers 8, 14, 21, 38
    expect(nextHop(viewOf(1), 33, neighboursOf(1), K)).toEqual({ to: at(21), final: false });
    expect(nextHop(viewOf(1), 38, neighboursOf(1), K)).toEqual({ to: at(38), final: true });
  });

  it('a node that does not store sends to the storing neighbour closest before p, or nowhere', () => {
    const outside: RoutingView = { position: undefined, pred: undefined, successors: [] };
    expect(nextHop(outside, 40, [at(8), at(38), at(42)], K)).toEqual({ to: at(38), final: false });
    expect(nextHop(outside, 5, [at(8), at(38)], K)).toEqual({ to: at(38), final: false }); // wraps
    expect(nextHop(outside, 40, [], K)).toBeUndefined();
  });

  it('a final request goes back to a predecessor that holds p, else is answered here', () => {
    // 21 took 32 for 25's successor; 32's predecessor 26 joined meanwhile.
    const view: RoutingView = { position: 32, pred: node(26), successors: [at(38)] };
    expect(nextHop(view, 25, [node(26), at(38)], K, true)).toEqual({ to: node(26), final: true });
    expect(nextHop(view, 28, [node(26), at(38)], K, true)).toBe('self');
    expect(nextHop({ ...view, pred: undefined }, 25, [at(38)], K, true)).toBe('self');
  });

  it('a node just accepted answers only for the range it was handed, and sends a final request before it on', () => {
    // 32 joined between 21 and 38; 38 handed it (26, 32]: a node at 26 held the rest until then.
    const view: RoutingView = { position: 32, pred: undefined, rangeStart: 26, successors: [at(38)] };
    expect(nextHop(view, 28, [at(38)], K, true)).toBe('self');
    expect(nextHop(view, 24, [node(26), at(21), at(38)], K, true)).toEqual({ to: node(26), final: true });
    expect(nextHop(view, 24, [at(21), at(38)], K, true)).toEqual({ to: at(21), final: false }); // 26 not known: route
    // A range handed as (32, 32] is empty, not the whole ring: nothing is answered here.
    expect(nextHop({ ...view, rangeStart: 32 }, 30, [at(21), at(38)], K, true)).toEqual({ to: at(21), final: false });
    // A predecessor further away than the handed range does not widen what is answered here.
    expect(nextHop({ ...view, pred: at(21) }, 24, [node(26), at(21), at(38)], K, true)).toEqual({ to: node(26), final: true });
  });

  it('a request for the successor goes to the first later successor while the successor is not connected yet', () => {
    expect(nextHop(viewOf(21), 30, [at(38), at(42)], K)).toEqual({ to: at(38), final: true });
  });

  it('on a correct ring every lookup ends at the responsible node within k hops', () => {
    const random = new SeededRandom(5);
    const sorted = ring.map((n) => n.position);
    for (let trial = 0; trial < 500; trial++) {
      const p = Math.floor(random.next() * 2 ** K);
      let current = ring[Math.floor(random.next() * ring.length)]!;
      let final = false;
      let hops = 0;
      for (;;) {
        const hop = nextHop(viewOf(current.position), p, neighboursOf(current.position), K, final);
        if (hop === 'self' || hop === undefined) break;
        current = hop.to;
        final = hop.final;
        hops++;
      }
      expect(current.position).toBe(successorOf(p, sorted, K));
      expect(hops).toBeLessThanOrEqual(K);
    }
  });
});

describe('successorList', () => {
  const self = at(21);
  it('is the successor then its list, cut at the size', () => {
    expect(successorList(self, at(32), [at(38), at(42), at(48)], 3, K, () => false)).toEqual([at(32), at(38), at(42)]);
  });

  it('skips this node, the unwanted and repeats, and stops where the list wraps past us', () => {
    const theirs = [at(38), at(38), at(42), at(48), self, at(1), at(8)];
    expect(successorList(self, at(32), theirs, 8, K, (id) => id === 'n42')).toEqual([at(32), at(38), at(48), at(1), at(8)]);
    // 14 is still clockwise of 38 (seen from 21); 42 after it would mean going round again
    expect(successorList(self, at(32), [at(38), at(14), at(42)], 8, K, () => false)).toEqual([at(32), at(38), at(14)]);
  });
});

describe('fingers', () => {
  it('coveringSuccessor finds the successor list entry that is a target’s successor', () => {
    const successors = [at(32), at(38), at(42)];
    expect(coveringSuccessor(21, 22, successors, K)).toEqual(at(32));
    expect(coveringSuccessor(21, 33, successors, K)).toEqual(at(38));
    expect(coveringSuccessor(21, 42, successors, K)).toEqual(at(42));
    expect(coveringSuccessor(21, 43, successors, K)).toBeUndefined();
  });

  it('refresh fills near fingers from the successor list and hands out distant ones round-robin', () => {
    const table = new FingerTable(K);
    const self = at(21);
    const successors = [at(32), at(38), at(42)];
    // targets: 22, 23, 25, 29, 37, 53; the first five are covered, 53 is not
    expect(table.refresh(self, successors)).toEqual({ index: 5, target: 53 });
    expect([0, 1, 2, 3].map((i) => table.get(i))).toEqual([at(32), at(32), at(32), at(32)]);
    expect(table.get(4)).toEqual(at(38));
    table.set(5, at(56));
    expect(table.entries()).toEqual([at(32), at(38), at(56)]);
    expect(table.refresh(self, successors)).toEqual({ index: 5, target: 53 });
    table.forget('n32');
    expect(table.get(0)).toBeUndefined();
    table.clear();
    expect(table.entries()).toEqual([]);
  });
});
