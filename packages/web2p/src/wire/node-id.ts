import { sha384 } from './sha2.js';
import { bytesToBase58, fromBase58, isBase58 } from './base58.js';
import { concatBytes, utf8 } from './packet.js';

/**
 * A node id as py2p makes them (PROTOCOL.md §2.3): base58 of the SHA-384 of something unique. py2p
 * hashes its address and a per-process salt; web2p hashes the node's Ed25519 public key and the
 * protocol id (identity/keys.ts nodeIdOf), so that a web2p peer can check the id against the key
 * that proves it. py2p/js2p never recompute ids; they only need them unique and uniform below 2^384.
 */
export function makeNodeId(salt: Uint8Array, protocolId: string): string {
  return nodeIdOfDigest(sha384(nodeIdInput(salt, protocolId)));
}

/** What makeNodeId hashes, for a platform that hashes it another way (identity/platform-node-id.ts). */
export function nodeIdInput(salt: Uint8Array, protocolId: string): Uint8Array {
  return concatBytes([salt, utf8(protocolId)]);
}

/** The id a SHA-384 of nodeIdInput makes. */
export function nodeIdOfDigest(digest: Uint8Array): string {
  return bytesToBase58(digest);
}

/** Longest id we accept from a peer: base58 of 2^384 is 66 characters; leave room for other ids. */
const MAX_ID_LENGTH = 128;

/** Whether a peer-supplied id is one we can route by and compare numerically. */
export function isValidNodeId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && isBase58(id);
}

/** The id as the integer it encodes, for conflict resolution (§4.8) and ring positions. */
export function nodeIdValue(id: string): bigint {
  return fromBase58(id);
}
