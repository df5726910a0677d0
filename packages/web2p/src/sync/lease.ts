import { LEASE_SECONDS } from './constants.js';

/** Who last wrote a key and when, in whole unix seconds (PROTOCOL.md §6.1 `metadata[key]`). */
export interface LeaseMeta {
  readonly owner: string;
  readonly ts: number;
}

export interface LeaseQuestion {
  /** What is stored for the key now; undefined when the key is absent. */
  readonly current: LeaseMeta | undefined;
  /** The writer and time of the change: for a remote store the message's sender and time. */
  readonly incoming: LeaseMeta;
  /** A delta (§6.4 apply_delta) rather than a store. */
  readonly isDelta: boolean;
  /** The socket's `leasing` option. */
  readonly leasing: boolean;
  readonly nowSeconds: number;
  /** Defaults to LEASE_SECONDS; peers must use the same value. */
  readonly leaseSeconds?: number;
}

/** Which clause of §6.3 allowed a change, numbered as there. */
export type LeaseClause =
  | 'no-meta' // 1
  | 'same-owner' // 2
  | 'unleased-delta' // 3
  | 'expired' // 4
  | 'tie-smaller-owner' // 5
  | 'unleased-newer'; // 6

/** Allowed, and why; or refused, with what a LeaseError reports (the holder and the expiry). */
export type LeaseVerdict =
  | { readonly allowed: true; readonly clause: LeaseClause }
  | { readonly allowed: false; readonly owner: string; readonly expiresAt: number };

/**
 * py2p's `__check_lease`, exactly (PROTOCOL.md §6.3): the first clause that holds allows the
 * change, in the spec's order. Every peer must decide alike or replicas diverge, so even the odd
 * parts are kept: the owner may rewrite with an older timestamp (clause 2), and the same-second tie
 * goes to the smaller owner id even when leasing is on (clause 5).
 *
 * Owner ids compare as strings in UTF-16 code-unit order (JS `<`), as js2p does; ids are base58,
 * which is ASCII, so this is also py2p's byte order.
 */
export function checkLease(question: LeaseQuestion): LeaseVerdict {
  const { current, incoming, isDelta, leasing, nowSeconds } = question;
  const leaseSeconds = question.leaseSeconds ?? LEASE_SECONDS;
  if (current === undefined) return { allowed: true, clause: 'no-meta' };
  const clause = heldKeyClause(current, incoming, isDelta, leasing, nowSeconds - leaseSeconds);
  if (clause !== undefined) return { allowed: true, clause };
  return { allowed: false, owner: current.owner, expiresAt: leaseExpiresAt(current, leaseSeconds) };
}

/** Clauses 2 to 6, for a key that has metadata. */
function heldKeyClause(
  current: LeaseMeta,
  incoming: LeaseMeta,
  isDelta: boolean,
  leasing: boolean,
  expiredBefore: number,
): LeaseClause | undefined {
  if (current.owner === incoming.owner) return 'same-owner';
  if (isDelta && !leasing) return 'unleased-delta';
  if (current.ts < expiredBefore) return 'expired';
  if (current.ts === incoming.ts && current.owner > incoming.owner) return 'tie-smaller-owner';
  if (current.ts < incoming.ts && !leasing) return 'unleased-newer';
  return undefined;
}

/**
 * The last second at which `meta.owner` still holds the key: clause 4 frees it only once the write
 * is strictly older than the lease, so exactly `leaseSeconds` after the write it is still held.
 */
export function leaseExpiresAt(meta: LeaseMeta, leaseSeconds: number = LEASE_SECONDS): number {
  return meta.ts + leaseSeconds;
}
