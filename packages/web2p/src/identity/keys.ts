/**
 * A node's key pair and what it derives with no Ed25519 code (issue 15, split for issue 20): its
 * shape and sizes, and the node id its public key owns. identity.ts adds the @noble/curves
 * functions; a MeshSocket alone uses these and the platform's Ed25519 (ed25519.ts), so it does not
 * bundle @noble/curves.
 *
 * The id keeps py2p's format (PROTOCOL.md §2.3: base58 of a SHA-384), so py2p/js2p peers accept it;
 * they just cannot check it. It hashes the public key with the protocol id, as py2p's ids hash the
 * protocol in: the same key on two protocols (a mesh and a sync socket in one tab) gives two nodes.
 */
import { makeNodeId } from '../wire/node-id.js';
import { bytesEqual } from '../wire/packet.js';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from './key-sizes.js';

/** What an app may keep and pass back in as `identity` to be the same node again. */
export interface Identity {
  /** The 32-byte Ed25519 secret key (the seed). Keep it as private as a password. */
  readonly secretKey: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

export { SECRET_KEY_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './key-sizes.js';

/** A copy of a stored or app-supplied secret key. Throws TypeError on a wrong size. */
export function secretKeyCopy(secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) {
    throw new TypeError(`identity.secretKey must be a Uint8Array of ${SECRET_KEY_BYTES} bytes`);
  }
  return secretKey.slice();
}

/** The node id `publicKey` owns on the protocol `protocolId`. */
export function nodeIdOf(publicKey: Uint8Array, protocolId: string): string {
  return makeNodeId(publicKey, protocolId);
}

/** Whether `publicKey` is the key node `id` was derived from (so its signatures speak for `id`). */
export function ownsNodeId(publicKey: Uint8Array, id: string, protocolId: string): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && nodeIdOf(publicKey, protocolId) === id;
}

/** Whether two identities are the same key pair. */
export function sameIdentity(a: Identity, b: Identity): boolean {
  return bytesEqual(a.publicKey, b.publicKey);
}
