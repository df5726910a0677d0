/**
 * Signed sync records (issue 15, PROTOCOL.md §14.13): the owner signs each record over the key, the
 * value's hash, the timestamp and the operation, and a replica merges a record only when the
 * signature verifies and its public key is the one the owner's id was derived from. A delta is
 * signed twice: once as the delta (what a replica checks before merging it) and once as the record
 * it makes on the owner (what lets the replica pass the whole record on in initial syncs).
 */
import type { Identity } from '../identity/identity.js';
import { keyOwns, signBytes, signedBytes, valueDigest, verifyProof, type Proof } from '../replica/signatures.js';
import type { Mapping } from '../replica/mapping.js';
import type { Packet } from '../wire/packet.js';

/** The domain string of sync signatures (replica/signatures.ts). */
const SYNC_DOMAIN = 'web2p-sync/1';

/** What a signature says was done to a key. */
export type SyncOperation = 'store' | 'delete' | 'delta';

function recordBytes(protocolId: string, key: Uint8Array, value: Packet | null, ts: number, op: SyncOperation): Uint8Array {
  return signedBytes(SYNC_DOMAIN, protocolId, [op, key, valueDigest(value), ts]);
}

/** The owner's signature of its record `(value or deletion) of key at ts`. */
export function signRecord(identity: Identity, protocolId: string, key: Uint8Array, value: Packet | null, ts: number): Proof {
  return signBytes(identity, recordBytes(protocolId, key, value, ts, value === null ? 'delete' : 'store'));
}

/** The owner's signature of a delta of `key` at `ts`. */
export function signDelta(identity: Identity, protocolId: string, key: Uint8Array, mapping: Mapping, ts: number): Proof {
  return signBytes(identity, recordBytes(protocolId, key, mapping, ts, 'delta'));
}

/** Whether `proof` is `owner`'s signature of the record. */
export function verifyRecord(proof: Proof, owner: string, protocolId: string, key: Uint8Array, value: Packet | null, ts: number): boolean {
  return keyOwns(proof.publicKey, owner, protocolId) && verifyProof(proof, recordBytes(protocolId, key, value, ts, value === null ? 'delete' : 'store'));
}

/** Whether `proof` is `owner`'s signature of the delta. */
export function verifyDelta(proof: Proof, owner: string, protocolId: string, key: Uint8Array, mapping: Mapping, ts: number): boolean {
  return keyOwns(proof.publicKey, owner, protocolId) && verifyProof(proof, recordBytes(protocolId, key, mapping, ts, 'delta'));
}
