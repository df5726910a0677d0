/**
 * Signatures on replicated records (issue 15): the bytes a writer signs, and verification with a
 * small cache. Sync and chord sign different fields, each under its own domain string, so a
 * signature made for one can never pass as the other's.
 */
import { sha256 } from '../wire/sha2.js';
import { nodeIdOf, PUBLIC_KEY_BYTES, sign, verifySignature, type Identity } from '../identity/identity.js';
import { encode } from '../wire/msgpack.js';
import { bytesEqual, toHex, type Packet } from '../wire/packet.js';
import { VERIFIED_SIGNATURES_CACHED } from './constants.js';

/** A writer's public key and its signature over a record. */
export interface Proof {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * What is signed: msgpack of `[domain, protocol id, ...fields]`. The protocol id keeps a record of
 * one network from being replayed into another; values go in as their SHA-256, so the signed bytes
 * stay small whatever the value.
 */
export function signedBytes(domain: string, protocolId: string, fields: readonly Packet[]): Uint8Array {
  return encode([domain, protocolId, ...fields]);
}

/** The SHA-256 of a value's msgpack encoding (null for a deletion). */
export function valueDigest(value: Packet | null): Uint8Array {
  return sha256(encode(value));
}

export function signBytes(identity: Identity, bytes: Uint8Array): Proof {
  return { publicKey: identity.publicKey, signature: sign(identity, bytes) };
}

/** Signatures known to verify, by their hex, with what they signed; oldest first. */
const verified = new Map<string, { publicKey: Uint8Array; bytes: Uint8Array }>();

/** Whether `proof` is a valid signature of `bytes`; a valid one is remembered (VERIFIED_SIGNATURES_CACHED). */
export function verifyProof(proof: Proof, bytes: Uint8Array): boolean {
  const name = toHex(proof.signature);
  const known = verified.get(name);
  if (known && bytesEqual(known.publicKey, proof.publicKey) && bytesEqual(known.bytes, bytes)) return true;
  if (!verifySignature(proof.publicKey, bytes, proof.signature)) return false;
  verified.set(name, { publicKey: proof.publicKey, bytes });
  if (verified.size > VERIFIED_SIGNATURES_CACHED) verified.delete(verified.keys().next().value!);
  return true;
}

/** Node ids of public keys lately seen (deriving one hashes and base58-encodes, costlier than a lookup). */
const owners = new Map<string, string>();

/** Whether `publicKey` owns node id `owner` on `protocolId` (identity.ts ownsNodeId, cached like verifyProof). */
export function keyOwns(publicKey: Uint8Array, owner: string, protocolId: string): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES) return false;
  const name = `${toHex(publicKey)} ${protocolId}`;
  let id = owners.get(name);
  if (id === undefined) {
    id = nodeIdOf(publicKey, protocolId);
    owners.set(name, id);
    if (owners.size > VERIFIED_SIGNATURES_CACHED) owners.delete(owners.keys().next().value!);
  }
  return id === owner;
}

/** Whether `proof` is `signer`'s signature of `bytes`: its key owns the id and the signature verifies. */
export function verifySigned(proof: Proof, signer: string, idProtocolId: string, bytes: Uint8Array): boolean {
  return keyOwns(proof.publicKey, signer, idProtocolId) && verifyProof(proof, bytes);
}
