/** RangePull: when a storing node's range grows, what it pulls from whom (chord/range-pull.ts). */
import { describe, expect, it } from 'vitest';
import { RANGE_PULL_MS } from '../../packages/web2p/src/chord/constants.js';
import type { NodeEntry } from '../../packages/web2p/src/chord/messages.js';
import { RangePull } from '../../packages/web2p/src/chord/range-pull.js';

const K = 8;
const node = (id: string, position: number): NodeEntry => ({ id, position, addr: ['sim', position] });
const [d, e, f, g] = [node('d', 110), node('e', 120), node('f', 130), node('g', 140)];

function pull(): { pulls: RangePull; advance: (ms: number) => void } {
  let now = 0;
  return { pulls: new RangePull(K, () => now), advance: (ms) => (now += ms) };
}

describe('RangePull', () => {
  it('the first predecessor, and closer ones (joins), pull nothing', () => {
    const { pulls } = pull();
    expect(pulls.check(100, 80, [d, e])).toBeUndefined();
    expect(pulls.check(100, 90, [d, e])).toBeUndefined();
    expect(pulls.check(100, undefined, [d, e])).toBeUndefined(); // it failed: nothing known yet
  });

  it('a predecessor further back pulls the part gained from each successor, once', () => {
    const { pulls } = pull();
    pulls.check(100, 90, [d, e]);
    pulls.check(100, undefined, [d, e]);
    expect(pulls.check(100, 70, [d, e])).toEqual({ from: 70, to: 90, ask: [d, e] });
    expect(pulls.check(100, 70, [d, e])).toBeUndefined();
    // A successor new to the list (lists converge a round per entry) is asked too.
    expect(pulls.check(100, 70, [d, f, e])).toEqual({ from: 70, to: 90, ask: [f] });
  });

  it('wraps around position 0', () => {
    const { pulls } = pull();
    pulls.check(10, 5, [d]);
    expect(pulls.check(10, 250, [d])).toEqual({ from: 250, to: 5, ask: [d] });
  });

  it('a gain right after another extends the range, and everyone is asked again', () => {
    const { pulls } = pull();
    pulls.check(100, 90, [d, e]);
    pulls.check(100, 70, [d, e]);
    expect(pulls.check(100, 50, [d, e])).toEqual({ from: 50, to: 90, ask: [d, e] });
  });

  it('new successors are asked only within RANGE_PULL_MS of the gain', () => {
    const { pulls, advance } = pull();
    pulls.check(100, 90, [d]);
    pulls.check(100, 70, [d]);
    advance(RANGE_PULL_MS);
    expect(pulls.check(100, 70, [d, g])).toBeUndefined();
  });
});
