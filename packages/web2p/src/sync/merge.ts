/**
 * How replicas of one key agree (PROTOCOL.md §6.3/§6.4, and where this port departs from them).
 *
 * Each replica holds, per key, one record: the value (or a tombstone after a delete) with who wrote
 * it and when. Every record a replica receives, whether a live broadcast, a new neighbour's initial
 * sync, a record forwarded after a partition heals, or one restored from the store, is merged by
 * one total order: the later timestamp wins; in the same second the smaller owner id wins (§6.3
 * clause 5); then a value beats a tombstone; then the larger msgpack encoding (only py2p peers can
 * produce two records of one owner and second). Merging is keeping the larger record, so replicas
 * that have seen the same records hold the same thing whatever the order they came in.
 *
 * Why not §6.3 for remote records, as py2p does: with leasing on it keeps the *earlier* of two
 * owners' writes inside the lease. Two nodes that claim a free key before hearing of each other
 * (within a propagation delay, or on the two sides of a partition) then split the network: each
 * node keeps whichever claim reached it first and refuses the other for an hour, or for ever while
 * the owners keep renewing. "Earliest wins" cannot be made an order either, because owners renew:
 * with X writing at 0 and 3001 and Y at 3000, X@0 beats Y@3000 (earlier), X@3001 beats X@0 (the
 * owner's newer write), yet Y@3000 beats X@3001 (earlier), so there is no winner both sides could
 * agree on. The later-write order is the only one that also keeps clause 4 (a write after the lease
 * expired takes the key) and the owner's renewals. Leases are still enforced where a write is made:
 * `set` refuses a key another node holds (LeaseError), so between nodes that can hear each other a
 * second owner only appears in a race or across a partition, and then the later claim wins
 * everywhere. The §11 bug of an owner's older write overwriting its newer one is gone too.
 *
 * Deltas (§6.4 apply_delta) are partial, so they cannot be merged as records: see deltaApplies.
 */
import { encode } from '../wire/msgpack.js';
import type { Packet } from '../wire/packet.js';
import type { Proof } from '../replica/signatures.js';
import type { LeaseMeta } from './lease.js';

/** A key's state on one replica. `value: null` is a tombstone: deleted by `owner` at `ts`. */
export type SyncRecord = {
  readonly value: Packet | null;
  readonly owner: string;
  readonly ts: number;
  /**
   * The owner sends its id as msgpack bin (py2p), so the id goes out as bin in this record's syncs:
   * py2p compares owner ids by type, and would not know its own writes under a str id (§2.4).
   */
  readonly ownerBin?: boolean;
  /** The owner's signature of this record (record-proof.ts); absent on unsigned (legacy) records. */
  readonly proof?: Proof;
};

/** Positive when `a` wins over `b`, negative when `b` wins, 0 when they are the same record. */
export function compareRecords(a: SyncRecord, b: SyncRecord): number {
  const meta = compareMeta(a, b);
  if (meta !== 0) return meta;
  if ((a.value === null) !== (b.value === null)) return a.value === null ? -1 : 1;
  if (a.value === null || b.value === null) return 0;
  return compareBytes(encode(a.value), encode(b.value));
}

/**
 * Whether `incoming` is the owner's write after `current`: the same owner and second, and arrived
 * on the link `current` came by. Only py2p and js2p owners write a key twice in one second (web2p
 * moves its second write to the next second, see firstWinningSecond), and their messages carry
 * nothing finer than the second; but one link delivers an owner's broadcasts in the order the
 * owner sent them, and a neighbour's sync of a record before what it relays after, so there the
 * later arrival is the later write (set then delete stays deleted).
 */
export function isOwnersNextWrite(current: SyncRecord, incoming: SyncRecord, sameLink: boolean): boolean {
  return sameLink && incoming.owner === current.owner && incoming.ts === current.ts && compareRecords(incoming, current) !== 0;
}

/** The metadata part of the order: later second first, then the smaller owner (§6.3 clause 5). */
export function compareMeta(a: LeaseMeta, b: LeaseMeta): number {
  if (a.ts !== b.ts) return a.ts > b.ts ? 1 : -1;
  if (a.owner === b.owner) return 0;
  return a.owner < b.owner ? 1 : -1;
}

/** The winning metadata of two: what a key's record carries after a delta merges into it. */
export function laterMeta(a: LeaseMeta, b: LeaseMeta): LeaseMeta {
  return compareMeta(a, b) >= 0 ? a : b;
}

/**
 * Whether a delta from `incoming` merges into `current` (§6.4 step 4). With leasing on only the
 * lease holder sends deltas, so a delta is a write like a store and must win by the record order
 * (an owner's repeat in one second merges too). With leasing off (§6.3 clause 3) a delta merges
 * unless it is older than the record, so concurrent deltas of one second to different sub-keys all
 * land in any order; an older one is dropped like an older store, because a later store must
 * replace it on every replica whatever the arrival order. What no rule fixes without knowing the
 * base a delta applied to: a delta overtaken by another node's later one is dropped where it
 * arrives second, and the replicas then settle on one version (the record order's) once they
 * compare records.
 */
export function deltaApplies(current: SyncRecord | undefined, incoming: LeaseMeta, leasing: boolean): boolean {
  if (current === undefined) return true;
  if (!leasing) return incoming.ts >= current.ts;
  return compareMeta(incoming, current) >= 0;
}

/**
 * The first second at which a write by `self` ranks above `current`, given that it cannot go out
 * before `now`: normally `now`, later only when `current` is dated in our future (a peer's clock
 * runs ahead) or is our own write of this second (one write per key per second, so that a
 * receiver never has to order two of ours by anything but time).
 */
export function firstWinningSecond(current: SyncRecord | undefined, self: string, now: number): number {
  if (current === undefined) return now;
  const second = Math.max(now, current.ts);
  if (second > current.ts) return second;
  return current.owner !== self && self < current.owner ? second : second + 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! > b[i]! ? 1 : -1;
  return a.length === b.length ? 0 : a.length > b.length ? 1 : -1;
}
