import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHORD_POSITION_PROBES, DEFAULT_K, MAX_K } from '../../packages/web2p/src/chord/constants.js';
import {
  distance,
  fingerTarget,
  idPosition,
  inInterval,
  keyPosition,
  positionFromId,
  positionAllowed,
  positionWindow,
  predecessorOf,
  resolvePosition,
  ringSize,
  successorOf,
} from '../../packages/web2p/src/chord/ring.js';
import { randomInt, SeededRandom } from '../../packages/web2p/src/runtime/random.js';

/** Top k bits of SHA-256, by BigInt shifting: a different route from ring.ts's byte arithmetic. */
function expectedKeyPosition(key: Uint8Array, k: number): number {
  const hex = createHash('sha256').update(key).digest('hex');
  return Number(BigInt(`0x${hex}`) >> BigInt(256 - k));
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('ring arithmetic (k = 4: positions 0..15)', () => {
  it('has 2**k positions', () => {
    expect(ringSize(4)).toBe(16);
    expect(ringSize(DEFAULT_K)).toBe(64);
    expect(ringSize(MAX_K)).toBe(2 ** 30);
  });

  it.each([
    [3, 5, 2],
    [5, 3, 14],
    [15, 0, 1],
    [0, 15, 15],
    [7, 7, 0],
  ])('distance(%i, %i) = %i clockwise', (from, to, expected) => {
    expect(distance(from, to, 4)).toBe(expected);
  });

  it.each([
    [5, 3, 8, true, 'inside'],
    [3, 3, 8, false, 'a is excluded'],
    [8, 3, 8, true, 'b is included'],
    [9, 3, 8, false, 'past b'],
    [6, 5, 6, true, 'adjacent: only b'],
    [7, 5, 6, false, 'adjacent: past b'],
    [15, 14, 2, true, 'wrapping: before 0'],
    [0, 14, 2, true, 'wrapping: 0'],
    [2, 14, 2, true, 'wrapping: b'],
    [14, 14, 2, false, 'wrapping: a'],
    [8, 14, 2, false, 'wrapping: the far side'],
    [5, 5, 5, true, 'a == b is the whole ring: a itself'],
    [6, 5, 5, true, 'a == b is the whole ring: after a'],
    [4, 5, 5, true, 'a == b is the whole ring: before a'],
  ])('inInterval(%i, (%i, %i]) = %s: %s', (x, a, b, expected) => {
    expect(inInterval(x, a, b, 4)).toBe(expected);
  });

  it.each([
    [0, 14],
    [1, 15],
    [2, 1],
    [3, 5],
  ])('finger %i of position 13 points at %i', (i, expected) => {
    expect(fingerTarget(13, i, 4)).toBe(expected);
  });

  it.each([-1, 4, 1.5])('rejects finger index %s', (i) => {
    expect(() => fingerTarget(13, i, 4)).toThrow(RangeError);
  });
});

describe('collision rule (k = 3: positions 0..7)', () => {
  it.each([
    ['free: the preferred position', 5, [], 5],
    ['taken: the next one', 5, [5], 6],
    ['a run taken: past the run', 5, [5, 6], 7],
    ['wraps past 2**k - 1 to 0', 7, [6, 7], 0],
    ['keeps probing after the wrap', 7, [7, 0, 1], 2],
    ['others taken elsewhere do not matter', 2, [0, 1, 3, 7], 2],
    ['one left, behind the preferred', 4, [0, 1, 2, 4, 5, 6, 7], 3],
  ])('%s', (_label, preferred, taken, expected) => {
    expect(resolvePosition(preferred, new Set(taken), 3)).toBe(expected);
  });

  it('answers undefined on a full ring', () => {
    expect(resolvePosition(3, new Set([0, 1, 2, 3, 4, 5, 6, 7]), 3)).toBeUndefined();
  });

  it('probes at most `limit` positions (a node may only stand that far from its derived one)', () => {
    expect(resolvePosition(6, new Set([6, 7]), 3, 2)).toBeUndefined();
    expect(resolvePosition(6, new Set([6]), 3, 2)).toBe(7);
  });
});

describe('derived node positions (PROTOCOL.md §14.18)', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `node${i}Base58Id`);

  it('a node id stands at the top k bits of SHA-256 of its UTF-8 text, as keys do, for every k', () => {
    for (const id of ids) {
      for (const k of [1, 6, 16, 30]) expect(idPosition(id, k)).toBe(expectedKeyPosition(new TextEncoder().encode(id), k));
    }
  });

  it('allows the derived position and the CHORD_POSITION_PROBES - 1 after it (wrapping), nothing else', () => {
    const k = 16;
    expect(positionWindow(k)).toBe(CHORD_POSITION_PROBES);
    for (const id of ids) {
      const derived = idPosition(id, k);
      expect(positionAllowed(id, derived, k)).toBe(true);
      expect(positionAllowed(id, (derived + CHORD_POSITION_PROBES - 1) % 2 ** k, k)).toBe(true);
      expect(positionAllowed(id, (derived + CHORD_POSITION_PROBES) % 2 ** k, k)).toBe(false);
      expect(positionAllowed(id, (derived - 1 + 2 ** k) % 2 ** k, k)).toBe(false);
    }
  });

  it('on a ring smaller than the probe window every position is allowed', () => {
    expect(positionWindow(3)).toBe(8);
    for (let p = 0; p < 8; p++) expect(positionAllowed(ids[0]!, p, 3)).toBe(true);
  });
});

describe('successor and predecessor', () => {
  const nodes = [2, 7, 12];
  it.each([
    [0, 2, 12],
    [2, 2, 12],
    [3, 7, 2],
    [7, 7, 2],
    [8, 12, 7],
    [12, 12, 7],
    [13, 2, 12],
    [15, 2, 12],
  ])('nodes 2, 7, 12 (k = 4), position %i: successor %i, predecessor %i', (p, next, previous) => {
    expect(successorOf(p, nodes, 4)).toBe(next);
    expect(predecessorOf(p, nodes, 4)).toBe(previous);
  });

  it('a node alone is both for every position', () => {
    for (const p of [0, 5, 9, 15]) {
      expect(successorOf(p, [5], 4)).toBe(5);
      expect(predecessorOf(p, [5], 4)).toBe(5);
    }
  });

  it('answers undefined with no nodes', () => {
    expect(successorOf(3, [], 4)).toBeUndefined();
    expect(predecessorOf(3, [], 4)).toBeUndefined();
  });

  it('every position lies in (predecessor, successor] (seeded random rings)', () => {
    const seed = 7_331;
    const random = new SeededRandom(seed);
    for (let round = 0; round < 500; round++) {
      const k = 1 + randomInt(random, 8);
      const size = ringSize(k);
      const count = 1 + randomInt(random, 6);
      const taken = new Set(Array.from({ length: count }, () => randomInt(random, size)));
      const sorted = [...taken].sort((a, b) => a - b);
      const p = randomInt(random, size);
      const successor = successorOf(p, sorted, k) as number;
      const predecessor = predecessorOf(p, sorted, k) as number;
      const message = `seed ${seed}, round ${round}: k ${k}, nodes ${sorted}, p ${p}`;
      expect(inInterval(p, predecessor, successor, k), message).toBe(true);
      // No node lies strictly between p and its successor.
      const gap = distance(p, successor, k);
      for (const node of sorted) {
        if (node !== successor) expect(distance(p, node, k), message).toBeGreaterThan(gap);
      }
    }
  });
});

describe('positions from hashes', () => {
  it('takes the top k bits of a digest', () => {
    const digest = new Uint8Array(32);
    digest.set([0b1011_0011, 0b1000_0000, 0xff, 0xff]);
    expect(positionFromId(digest, 1)).toBe(1);
    expect(positionFromId(digest, 4)).toBe(0b1011);
    expect(positionFromId(digest, 8)).toBe(0b1011_0011);
    expect(positionFromId(digest, 9)).toBe(0b1_0110_0111);
    expect(positionFromId(new Uint8Array(32).fill(0xff), 30)).toBe(2 ** 30 - 1);
  });

  it('refuses a digest shorter than k bits', () => {
    expect(() => positionFromId(new Uint8Array(1), 9)).toThrow(RangeError);
  });

  it('places "hello" at 11 on the default ring (sha256 starts 0x2c)', () => {
    expect(keyPosition(utf8('hello'), DEFAULT_K)).toBe(11);
  });

  it.each([1, 6, 8, 13, 16, 24, 30])('keyPosition matches node:crypto sha256 at k = %i', (k) => {
    for (const key of ['hello', '测试', '', 'store', 'a longer key with spaces']) {
      expect(keyPosition(utf8(key), k)).toBe(expectedKeyPosition(utf8(key), k));
    }
  });
});

describe('validation', () => {
  it.each([0, 31, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects k = %s', (k) => {
    expect(() => ringSize(k)).toThrow(RangeError);
    expect(() => distance(0, 0, k)).toThrow(RangeError);
    expect(() => keyPosition(utf8('x'), k)).toThrow(RangeError);
    expect(() => resolvePosition(0, new Set(), k)).toThrow(RangeError);
  });

  it.each([16, -1, 1.5])('rejects position %s on a ring of 16', (p) => {
    expect(() => distance(p, 0, 4)).toThrow(RangeError);
    expect(() => inInterval(p, 0, 3, 4)).toThrow(RangeError);
    expect(() => fingerTarget(p, 0, 4)).toThrow(RangeError);
    expect(() => successorOf(p, [1], 4)).toThrow(RangeError);
    expect(() => resolvePosition(p, new Set(), 4)).toThrow(RangeError);
  });
});
