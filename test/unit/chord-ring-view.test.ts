/** Stabilization rules of one node's ring view (packages/web2p/src/chord/ring-view.ts), on a ring of 2**6. */
import { describe, expect, it } from 'vitest';
import { DEAD_MEMORY_MS, EXTRA_HOPS, HANDED_RANGE_MS, OFFENDER_MEMORY_MS } from '../../packages/web2p/src/chord/constants.js';
import type { ChordRequest, Meta, NodeEntry } from '../../packages/web2p/src/chord/messages.js';
import { RingView } from '../../packages/web2p/src/chord/ring-view.js';

const K = 6;
const node = (position: number, id = `n${position}`): NodeEntry => ({ id, position, addr: ['sim', position] });
const meta = (pred: NodeEntry | undefined, list: NodeEntry[]): Meta => ({ storing: true, position: 0, pred, list, ask: false });

function member(position = 20): { view: RingView; clock: { now: number } } {
  const clock = { now: 0 };
  const view = new RingView('self', () => ['sim', 0], K, 4, () => clock.now);
  view.take(position, node(30));
  view.member = true;
  return { view, clock };
}

describe('storing neighbours', () => {
  it('a notify from a closer node makes it the predecessor and says which range it takes', () => {
    const { view } = member();
    expect(view.storing(node(10), true)).toEqual({ from: 20, to: 10 }); // not knowing the old one: all outside (10, 20]
    expect(view.storing(node(15), true)).toEqual({ from: 10, to: 15 });
    expect(view.storing(node(12), true)).toBeUndefined(); // not closer
    expect(view.pred).toEqual(node(15));
  });

  it('without notify a node is never taken for the predecessor, but may be a closer successor', () => {
    const { view } = member();
    expect(view.storing(node(10), false)).toBeUndefined();
    expect(view.pred).toBeUndefined();
    view.storing(node(25), false);
    expect(view.successors).toEqual([node(25), node(30)]);
    expect([...view.storingPeers.keys()]).toEqual(['n10', 'n25']);
  });

  it('a node that is still joining records neighbours but changes nothing', () => {
    const { view } = member();
    view.member = false;
    expect(view.storing(node(10), true)).toBeUndefined();
    expect(view.pred).toBeUndefined();
    expect(view.storingPeers.has('n10')).toBe(true);
  });
});

describe('the range a joiner was handed', () => {
  const request = (position: number): ChordRequest => ({ kind: 'get', id: 'r', hops: 0, final: true, position, key: undefined });

  it('bounds what it answers for, even past a predecessor further away, until one at or inside it is known', () => {
    const { view } = member();
    view.accept(10); // accepted by 30, which handed us (10, 20]
    view.storing(node(10, 'n10'), false); // known, not yet our predecessor
    expect(view.hop(request(15))).toBe('self');
    expect(view.hop(request(5))).toEqual({ to: node(10), final: true }); // its keys are at 10, not here
    expect(view.hop({ ...request(5), kind: 'find' })).toBe('self'); // where the ring stands is not bounded by the data we hold
    expect(view.storing(node(5), true)).toEqual({ from: 10, to: 5 });
    expect(view.predRangeFrom).toBe(5); // (5, 5]: an empty range, its keys are at 10
    expect(view.rangeStart).toBe(10); // still tighter than the predecessor at 5
    expect(view.hop(request(7))).toEqual({ to: node(10), final: true });
    view.storing(node(12), true);
    expect(view.pred).toEqual(node(12));
    expect(view.predRangeFrom).toBe(5);
    expect(view.rangeStart).toBeUndefined();
    expect(view.hop(request(11))).toEqual({ to: node(12), final: true });
  });

  it('counts for HANDED_RANGE_MS only', () => {
    const { view, clock } = member();
    view.accept(10);
    clock.now = HANDED_RANGE_MS;
    expect(view.rangeStart).toBeUndefined();
    expect(view.hop(request(5))).toBe('self'); // the classic rule again: no predecessor, answer here
  });
});

describe('the successor’s meta', () => {
  it('its successor list becomes ours, cut to size', () => {
    const { view } = member();
    expect(view.fromSuccessor(node(30), meta(node(20, 'self'), [node(40), node(50), node(60), node(5)]))).toBe('list');
    expect(view.successors.map((s) => s.position)).toEqual([30, 40, 50, 60]);
  });

  it('a predecessor between us becomes our successor; one at our position is a conflict', () => {
    const { view } = member();
    expect(view.fromSuccessor(node(30), meta(node(25), []))).toBe('closer');
    expect(view.successors[0]).toEqual(node(25));
    expect(view.fromSuccessor(node(25), meta(node(20, 'other'), []))).toBe('conflict');
  });
});

describe('a successor we missed (the "loopy" ring of concurrent joins)', () => {
  it('is the nearest node heard of between us and our successor, skipping ourselves and unreachable ones', () => {
    const { view } = member(); // at 20, successor at 30
    const heard = [node(40), node(28), node(20, 'self'), node(23, 'gone'), node(26), node(10)];
    view.markUnreachable('gone');
    expect(view.nearestCloserSuccessor(heard)).toEqual(node(26));
    expect(view.nearestCloserSuccessor([node(30), node(40), node(10)])).toBeUndefined();
  });

  it('wraps round the ring, and there is none without a position or a successor', () => {
    const { view } = member(60);
    view.successors = [node(5)];
    expect(view.nearestCloserSuccessor([node(50), node(3), node(62)])).toEqual(node(62));
    view.successors = [];
    expect(view.nearestCloserSuccessor([node(62)])).toBeUndefined();
    view.drop();
    expect(view.nearestCloserSuccessor([node(62)])).toBeUndefined();
  });
});

describe('departures', () => {
  it('a graceful leave hands over the leaver’s predecessor and successors at once', () => {
    const { view } = member();
    view.storing(node(10), true);
    view.storing(node(30), false);
    const leaving: Meta = { storing: false, position: undefined, pred: node(5), list: [node(30), node(40)], ask: false };
    view.left('n10', leaving);
    expect(view.pred).toEqual(node(5));
    view.left('n30', { ...leaving, pred: node(20, 'self'), list: [node(40), node(45)] });
    expect(view.successors.map((s) => s.position)).toEqual([40, 45]);
  });

  it('a lost storing neighbour is kept out for DEAD_MEMORY_MS; with no successor left the nearest clockwise stands in', () => {
    const { view, clock } = member();
    view.storing(node(30), false);
    view.storing(node(50), false);
    view.storing(node(8), false);
    view.peerGone('n30');
    expect(view.successors).toEqual([]);
    expect(view.isUnreachable('n30')).toBe(true);
    view.tidy();
    expect(view.successors).toEqual([node(50)]);
    clock.now = DEAD_MEMORY_MS;
    view.tidy();
    expect(view.isUnreachable('n30')).toBe(false);
  });
});

it('routes a request, and drops one that has made too many hops', () => {
  const { view } = member();
  view.storing(node(30), false);
  const request: ChordRequest = { kind: 'find', id: 'r', hops: 0, final: false, position: 28, key: undefined };
  expect(view.hop(request)).toEqual({ to: node(30), final: true });
  expect(view.hop({ ...request, hops: 2 * K + EXTRA_HOPS + 1 })).toBeUndefined();
  view.drop();
  expect(view.position).toBeUndefined();
  expect(view.hop(request)).toEqual({ to: node(30), final: false }); // routes as a node that does not store
});

it('while joining, answers nothing: its successor still holds the range, so a final request goes on there', () => {
  const { view } = member(); // at 20, successor at 30
  view.member = false; // taken the position, not yet accepted
  view.storing(node(30), false);
  view.storing(node(10), false);
  const request: ChordRequest = { kind: 'get', id: 'r', hops: 1, final: true, position: 15, key: new Uint8Array([1]) };
  expect(view.hop(request)).toEqual({ to: node(30), final: true });
  expect(view.hop({ ...request, final: false })).toEqual({ to: node(10), final: false }); // as a node that does not store
});

describe('checking who answered (PROTOCOL.md §14.18)', () => {
  it('a responder is the key node only if no storing node we know (us included) stands between the key and it', () => {
    const { view } = member(20);
    view.storing(node(40), false);
    expect(view.responsibleFor(node(40), 30)).toBe(true);
    expect(view.responsibleFor(node(40), 15)).toBe(false); // we, at 20, come first
    expect(view.responsibleFor(node(50), 30)).toBe(false); // n40 comes first
    expect(view.firstAtOrAfter(30)).toEqual(node(40));
  });

  it("the nodes after a position, nearest first, are a key's replicas; offenders are kept out whatever they say, until OFFENDER_MEMORY_MS", () => {
    const { view, clock } = member(20);
    for (const position of [40, 50, 60]) view.storing(node(position), false);
    expect(view.nodesAfter(40, [node(45)], 3)).toEqual([node(45), node(50), node(60)]);
    view.markOffender('n50');
    expect(view.storingPeers.has('n50')).toBe(false);
    expect(view.storing(node(50), false)).toBeUndefined();
    expect(view.storingPeers.has('n50')).toBe(false); // its meta changes nothing
    expect(view.nodesAfter(40, [node(50)], 3)).toEqual([node(60), node(30)]); // round the ring to our successor
    clock.now += OFFENDER_MEMORY_MS;
    view.storing(node(50), false);
    expect(view.storingPeers.has('n50')).toBe(true);
  });
});
