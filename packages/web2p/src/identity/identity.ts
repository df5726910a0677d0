/**
 * A node's identity (issue 15): an Ed25519 key pair whose public key its node id is derived from, so
 * an id cannot be claimed without the secret key. The id keeps py2p's format (PROTOCOL.md §2.3:
 * base58 of a SHA-384), so py2p/js2p peers accept it; they just cannot check it.
 *
 * The id hashes the public key with the protocol id, as py2p's ids hash the protocol in: the same key
 * on two protocols (a mesh and a sync socket in one tab) gives two nodes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Random } from '../runtime/random.js';
import { makeNodeId } from '../wire/node-id.js';
import { bytesEqual } from '../wire/packet.js';

/** What an app may keep and pass back in as `identity` to be the same node again. */
export interface Identity {
  /** The 32-byte Ed25519 secret key (the seed). Keep it as private as a password. */
  readonly secretKey: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** Ed25519 key and signature sizes (RFC 8032). */
export const SECRET_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** A new identity; the secret comes from `random` (systemRandom in apps, seeded in the simulator). */
export function createIdentity(random: Random): Identity {
  return identityFromSecretKey(random.bytes(SECRET_KEY_BYTES));
}

/** The identity a stored or app-supplied secret key stands for. Throws TypeError on a wrong size. */
export function identityFromSecretKey(secretKey: Uint8Array): Identity {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) {
    throw new TypeError(`identity.secretKey must be a Uint8Array of ${SECRET_KEY_BYTES} bytes`);
  }
  const secret = secretKey.slice();
  return { secretKey: secret, publicKey: ed25519.getPublicKey(secret) };
}

/** The node id `publicKey` owns on the protocol `protocolId`. */
export function nodeIdOf(publicKey: Uint8Array, protocolId: string): string {
  return makeNodeId(publicKey, protocolId);
}

/** Whether `publicKey` is the key node `id` was derived from (so its signatures speak for `id`). */
export function ownsNodeId(publicKey: Uint8Array, id: string, protocolId: string): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && nodeIdOf(publicKey, protocolId) === id;
}

/** An Ed25519 signature of `message` by `identity`. */
export function sign(identity: Identity, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, identity.secretKey);
}

/**
 * Whether `signature` is `publicKey`'s signature of `message`. Never throws: malformed keys and
 * signatures from a peer are just not valid (RFC 8032 strict verification, zip215 off, so a
 * signature has exactly one accepted encoding).
 */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Whether two identities are the same key pair. */
export function sameIdentity(a: Identity, b: Identity): boolean {
  return bytesEqual(a.publicKey, b.publicKey);
}
