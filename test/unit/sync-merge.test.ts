import { describe, expect, it } from 'vitest';
import { SeededRandom, randomInt } from '../../packages/web2p/src/runtime/random.js';
import {
  compareRecords,
  deltaApplies,
  firstWinningSecond,
  laterMeta,
  type SyncRecord,
} from '../../packages/web2p/src/sync/merge.js';
import { mergeMapping } from '../../packages/web2p/src/replica/mapping.js';
import type { Packet } from '../../packages/web2p/src/wire/packet.js';

const T = 1_700_000_000;
const rec = (owner: string, ts: number, value: Packet | null = 'v'): SyncRecord => ({ owner, ts, value });

describe('compareRecords: the order every replica merges by', () => {
  // prettier-ignore
  const ROWS: Array<[string, SyncRecord, SyncRecord, 1 | -1 | 0]> = [
    ['a later second wins', rec('Qb', T + 1), rec('Qa', T), 1],
    ['an earlier second loses, whoever holds the key', rec('Qa', T - 1), rec('Qb', T), -1],
    ['same second: the smaller owner wins (§6.3 clause 5)', rec('Qa', T), rec('Qb', T), 1],
    ['same second: the larger owner loses', rec('Qb', T), rec('Qa', T), -1],
    ['owners compare by code unit: "Z" before "a"', rec('QZ', T), rec('Qa', T), 1],
    ['an owner\'s older write loses to its newer one (§11 regression fixed)', rec('Qa', T - 5), rec('Qa', T), -1],
    ['a delete later than the value wins', rec('Qa', T + 1, null), rec('Qa', T), 1],
    ['a value later than the delete wins', rec('Qb', T + 1), rec('Qa', T, null), 1],
    ['same owner and second: a value beats a tombstone', rec('Qa', T), rec('Qa', T, null), 1],
    ['same second, different owners: the owner decides, not the kind', rec('Qa', T, null), rec('Qb', T), 1],
    ['two tombstones of one owner and second are the same', rec('Qa', T, null), rec('Qa', T, null), 0],
    ['identical records are the same', rec('Qa', T, { x: [1, 2] }), rec('Qa', T, { x: [1, 2] }), 0],
    ['same owner and second, different values: the larger encoding', rec('Qa', T, 'b'), rec('Qa', T, 'a'), 1],
  ];
  it.each(ROWS)('%s', (_label, a, b, expected) => {
    expect(Math.sign(compareRecords(a, b))).toBe(expected);
    expect(Math.sign(compareRecords(b, a))).toBe(-expected || 0);
  });

  it('is a total order on random records (antisymmetric and transitive)', () => {
    const seed = 4242;
    const random = new SeededRandom(seed);
    const owners = ['Qa', 'Qb', 'QZ', 'Qab'];
    const values: Array<Packet | null> = [null, 'a', 'b', 0, false, { k: 1 }];
    const make = (): SyncRecord => rec(owners[randomInt(random, 4)]!, T + randomInt(random, 3), values[randomInt(random, values.length)]!);
    for (let i = 0; i < 5_000; i++) {
      const [a, b, c] = [make(), make(), make()];
      const ab = Math.sign(compareRecords(a, b));
      expect(Math.sign(compareRecords(b, a)), `seed ${seed}, case ${i}`).toBe(-ab || 0);
      if (ab >= 0 && compareRecords(b, c) >= 0) expect(compareRecords(a, c), `seed ${seed}, case ${i}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('merging is order-independent: the maximum of any permutation is the same record', () => {
    const records = [rec('Qb', T), rec('Qa', T), rec('Qa', T - 1, null), rec('Qc', T, null), rec('Qa', T, 'w')];
    const max = (list: SyncRecord[]): SyncRecord => list.reduce((m, r) => (compareRecords(r, m) > 0 ? r : m));
    const expected = max(records);
    for (let i = 0; i < records.length; i++) {
      const rotated = [...records.slice(i), ...records.slice(0, i)].reverse();
      expect(max(rotated)).toBe(expected);
    }
  });
});

describe('laterMeta', () => {
  it('keeps the later second, then the smaller owner', () => {
    expect(laterMeta({ owner: 'Qb', ts: T + 1 }, { owner: 'Qa', ts: T })).toEqual({ owner: 'Qb', ts: T + 1 });
    expect(laterMeta({ owner: 'Qb', ts: T }, { owner: 'Qa', ts: T })).toEqual({ owner: 'Qa', ts: T });
  });
});

describe('deltaApplies (§6.4 step 4)', () => {
  // prettier-ignore
  const ROWS: Array<[string, SyncRecord | undefined, string, number, boolean, boolean]> = [
    ['no record: a delta creates the mapping', undefined, 'Qb', T, true, true],
    ['leasing on: the holder, later', rec('Qa', T), 'Qa', T + 1, true, true],
    ['leasing on: the holder again in the same second', rec('Qa', T), 'Qa', T, true, true],
    ['leasing on: the holder, older: dropped', rec('Qa', T), 'Qa', T - 1, true, false],
    ['leasing on: another node, same second, smaller id', rec('Qb', T), 'Qa', T, true, true],
    ['leasing on: another node, same second, larger id', rec('Qa', T), 'Qb', T, true, false],
    ['leasing on: another node, later (a race: the later write wins)', rec('Qa', T), 'Qb', T + 1, true, true],
    ['leasing off: another node, same second, larger id: merges', rec('Qa', T), 'Qb', T, false, true],
    ['leasing off: later merges', rec('Qa', T), 'Qb', T + 1, false, true],
    ['leasing off: older than the record: dropped', rec('Qa', T), 'Qb', T - 1, false, false],
    ['a tombstone: later merges into a fresh mapping', rec('Qa', T, null), 'Qb', T + 1, true, true],
  ];
  it.each(ROWS)('%s', (_label, current, owner, ts, leasing, expected) => {
    expect(deltaApplies(current, { owner, ts }, leasing)).toBe(expected);
  });
});

describe('firstWinningSecond', () => {
  // prettier-ignore
  const ROWS: Array<[string, SyncRecord | undefined, string, number]> = [
    ['nothing there: now', undefined, 'Qm', T],
    ['an older record: now', rec('Qz', T - 3), 'Qm', T],
    ['our own write of this second: the next second', rec('Qm', T), 'Qm', T + 1],
    ['a larger owner this second: now (we win the tie)', rec('Qz', T), 'Qm', T],
    ['a smaller owner this second: the next second', rec('Qa', T), 'Qm', T + 1],
    ['a record dated 2 s ahead by a larger owner: that second', rec('Qz', T + 2, null), 'Qm', T + 2],
    ['a record dated 2 s ahead by a smaller owner: the second after', rec('Qa', T + 2, null), 'Qm', T + 3],
  ];
  it.each(ROWS)('%s', (_label, current, self, expected) => {
    const second = firstWinningSecond(current, self, T);
    expect(second).toBe(expected);
    if (current) expect(compareRecords(rec(self, second, 'mine'), current)).toBeGreaterThan(0);
  });
});

describe('mergeMapping (py2p dict.update)', () => {
  it('is shallow, the delta winning, over a mapping or nothing', () => {
    expect(mergeMapping({ a: 1, b: { x: 1 } }, { b: { y: 2 }, c: 3 })).toEqual({ a: 1, b: { y: 2 }, c: 3 });
    expect(mergeMapping(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(mergeMapping(null, { a: 1 })).toEqual({ a: 1 });
  });

  it('keeps "__proto__" as a plain sub-key and leaves its inputs alone', () => {
    const base = { a: 1 };
    const delta = JSON.parse('{"__proto__": {"polluted": true}}') as { [k: string]: Packet };
    const out = mergeMapping(base, delta);
    expect(Object.keys(out)).toEqual(['a', '__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(base).toEqual({ a: 1 });
  });
});
