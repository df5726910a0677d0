import { describe, expect, it } from 'vitest';
import { randomInt, SeededRandom } from '../../packages/web2p/src/runtime/random.js';
import { LEASE_SECONDS } from '../../packages/web2p/src/sync/constants.js';
import {
  checkLease,
  leaseExpiresAt,
  type LeaseClause,
  type LeaseMeta,
  type LeaseQuestion,
} from '../../packages/web2p/src/sync/lease.js';

const NOW = 1_700_000_000;
/** Owner ids in code-unit order: 'Qa' < 'Qb'. */
const SMALL = 'Qa';
const LARGE = 'Qb';

const meta = (owner: string, ts: number): LeaseMeta => ({ owner, ts });
/** Metadata written `offset` seconds from NOW. */
const at = (owner: string, offset: number): LeaseMeta => meta(owner, NOW + offset);

type Row = [
  label: string,
  current: LeaseMeta | undefined,
  incoming: LeaseMeta,
  kind: 'store' | 'delta',
  leasing: 'on' | 'off',
  expected: LeaseClause | 'refused',
  leaseSeconds?: number,
];

// Unless a row is about a clause's own condition, it sits where no other clause could allow it.
// prettier-ignore
const ROWS: Row[] = [
  ['1: no metadata', undefined, at(LARGE, 0), 'store', 'on', 'no-meta'],
  ['1: no metadata, a delta', undefined, at(LARGE, 0), 'delta', 'on', 'no-meta'],
  ['2: same owner, newer', at(LARGE, -5), at(LARGE, 0), 'store', 'on', 'same-owner'],
  ['2: same owner, older timestamp', at(LARGE, 0), at(LARGE, -5), 'store', 'on', 'same-owner'],
  ['2: same owner, same timestamp', at(LARGE, 0), at(LARGE, 0), 'store', 'on', 'same-owner'],
  ['2: same owner, a delta, leasing on', at(LARGE, 0), at(LARGE, 0), 'delta', 'on', 'same-owner'],
  ['3: delta from another, leasing off, older', at(SMALL, 0), at(LARGE, -5), 'delta', 'off', 'unleased-delta'],
  ['3: delta from another, leasing on', at(SMALL, -5), at(LARGE, 0), 'delta', 'on', 'refused'],
  ['3: a store, not a delta, leasing off, older', at(SMALL, 0), at(LARGE, -5), 'store', 'off', 'refused'],
  ['4: written 3601 s ago: expired', at(SMALL, -3601), at(LARGE, 0), 'store', 'on', 'expired'],
  ['4: written exactly 3600 s ago: held', at(SMALL, -3600), at(LARGE, 0), 'store', 'on', 'refused'],
  ['4: written 3599 s ago: held', at(SMALL, -3599), at(LARGE, 0), 'store', 'on', 'refused'],
  ['4: expired, an older incoming write', at(SMALL, -4000), at(LARGE, -5000), 'store', 'on', 'expired'],
  ['4: expired, a delta, leasing on', at(SMALL, -4000), at(LARGE, 0), 'delta', 'on', 'expired'],
  ['4: 60 s lease, written 61 s ago', at(SMALL, -61), at(LARGE, 0), 'store', 'on', 'expired', 60],
  ['4: 60 s lease, written 60 s ago', at(SMALL, -60), at(LARGE, 0), 'store', 'on', 'refused', 60],
  ['5: same second, smaller incoming owner', at(LARGE, 0), at(SMALL, 0), 'store', 'on', 'tie-smaller-owner'],
  ['5: same second, larger incoming owner', at(SMALL, 0), at(LARGE, 0), 'store', 'on', 'refused'],
  ['5: same second, larger, leasing off', at(SMALL, 0), at(LARGE, 0), 'store', 'off', 'refused'],
  ['5: same second, smaller, leasing off', at(LARGE, 0), at(SMALL, 0), 'store', 'off', 'tie-smaller-owner'],
  ['5: smaller owner, a later second, leasing on', at(LARGE, -1), at(SMALL, 0), 'store', 'on', 'refused'],
  ['5: code-unit order, "Z" before "a"', at('Qa', 0), at('QZ', 0), 'store', 'on', 'tie-smaller-owner'],
  ['5: code-unit order, "a" after "Z"', at('QZ', 0), at('Qa', 0), 'store', 'on', 'refused'],
  ['5: a prefix sorts first', at('Qab', 0), at('Qa', 0), 'store', 'on', 'tie-smaller-owner'],
  ['6: newer, leasing off', at(SMALL, -1), at(LARGE, 0), 'store', 'off', 'unleased-newer'],
  ['6: newer, leasing on', at(SMALL, -1), at(LARGE, 0), 'store', 'on', 'refused'],
  ['6: older, leasing off', at(SMALL, 0), at(LARGE, -1), 'store', 'off', 'refused'],
];

describe('checkLease (PROTOCOL.md §6.3)', () => {
  it.each(ROWS)('%s', (_label, current, incoming, kind, leasing, expected, leaseSeconds) => {
    const verdict = checkLease({
      current,
      incoming,
      isDelta: kind === 'delta',
      leasing: leasing === 'on',
      nowSeconds: NOW,
      leaseSeconds,
    });
    if (expected === 'refused') {
      const held = current as LeaseMeta;
      const expiresAt = held.ts + (leaseSeconds ?? 3600);
      expect(verdict).toEqual({ allowed: false, owner: held.owner, expiresAt });
    } else {
      expect(verdict).toEqual({ allowed: true, clause: expected });
    }
  });

  it('leases for one hour by default', () => {
    expect(LEASE_SECONDS).toBe(3600);
    expect(leaseExpiresAt(meta(SMALL, NOW))).toBe(NOW + 3600);
    expect(leaseExpiresAt(meta(SMALL, NOW), 60)).toBe(NOW + 60);
  });

  it('matches an independently written rule on random questions', () => {
    const seed = 20_240_601;
    const random = new SeededRandom(seed);
    const owners = ['1', 'Qm', 'QZ', 'Qa', 'Qab', 'z'];
    const offsets = [-7200, -3601, -3600, -3599, -60, -1, 0, 1, 60];
    const pick = <T>(items: readonly T[]): T => items[randomInt(random, items.length)] as T;
    const flip = (): boolean => random.next() < 0.5;
    for (let i = 0; i < 20_000; i++) {
      const currentTs = NOW + pick(offsets);
      const question: LeaseQuestion = {
        current: random.next() < 0.1 ? undefined : meta(pick(owners), currentTs),
        incoming: meta(pick(owners), flip() ? currentTs + pick([-1, 0, 1]) : NOW + pick(offsets)),
        isDelta: flip(),
        leasing: flip(),
        nowSeconds: NOW,
        ...(flip() ? { leaseSeconds: pick([60, 3600]) } : {}),
      };
      const allowed = checkLease(question).allowed;
      if (allowed !== reference(question)) {
        expect.fail(`seed ${seed}, case ${i}: ${JSON.stringify(question)} gave allowed=${allowed}`);
      }
    }
  });
});

/**
 * §6.3 restated by outcome rather than clause by clause: who may overwrite a key somebody else
 * wrote. The tie-break asks which owner sorts first, instead of comparing with `>`.
 */
function reference(q: LeaseQuestion): boolean {
  const held = q.current;
  if (!held || held.owner === q.incoming.owner) return true;
  const age = q.nowSeconds - held.ts;
  if (age > (q.leaseSeconds ?? 3600)) return true;
  const incomingSortsFirst = [held.owner, q.incoming.owner].sort()[0] === q.incoming.owner;
  const winsTie = held.ts === q.incoming.ts && incomingSortsFirst;
  if (q.leasing) return winsTie;
  return q.isDelta || winsTie || q.incoming.ts > held.ts;
}
