/**
 * A node's identity (issue 15): an Ed25519 key pair whose public key its node id is derived from, so
 * an id cannot be claimed without the secret key (keys.ts). Here, synchronously by @noble/curves:
 * making key pairs, and signing and checking signed SYNC/CHORD records, with one verifier on every
 * platform (see node/native-ed25519.ts).
 */
import { nobleEd25519 } from './noble-ed25519.js';
import type { Random } from '../runtime/random.js';
import { SECRET_KEY_BYTES, secretKeyCopy, type Identity } from './keys.js';

export * from './keys.js';

/**
 * A new identity; the secret comes from `random` (systemRandom in apps, seeded in the simulator).
 * Synchronous, by @noble/curves (which an app that calls it bundles); a MeshSocket made without one
 * makes its own with the platform's Ed25519 (ed25519.ts).
 */
export function createIdentity(random: Random): Identity {
  return identityFromSecretKey(random.bytes(SECRET_KEY_BYTES));
}

/** The identity a stored or app-supplied secret key stands for. Throws TypeError on a wrong size. */
export function identityFromSecretKey(secretKey: Uint8Array): Identity {
  const secret = secretKeyCopy(secretKey);
  return { secretKey: secret, publicKey: nobleEd25519.publicKey(secret) };
}

/** An Ed25519 signature of `message` by `identity` (@noble/curves: signed SYNC/CHORD records, tests). */
export function sign(identity: Identity, message: Uint8Array): Uint8Array {
  return nobleEd25519.sign(identity, message);
}

/**
 * Whether `signature` is `publicKey`'s signature of `message`, by @noble/curves (the one verifier of
 * signed records on every platform). Never throws: see nobleEd25519.verify.
 */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return nobleEd25519.verify(publicKey, message, signature);
}

