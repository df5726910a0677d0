/**
 * The Ed25519 a MeshSocket proves its id with (identity.ts says why ids are keys): its key's public
 * half, its link proofs (mesh/identity-proof.ts) and its signaling join proofs. Which one depends on
 * the platform, so that a browser app with a MeshSocket alone does not bundle @noble/curves:
 *
 * - browsers: WebCrypto's Ed25519 (webcrypto-ed25519.ts), asynchronous, so a socket's id is known
 *   once its `ready` resolves; @noble/curves loads by import() only where WebCrypto lacks Ed25519;
 * - Node (web2p/node): OpenSSL through node:crypto (node/native-ed25519.ts), synchronous;
 * - the simulator, and apps that bundle SyncSocket or ChordSocket (whose signed records use
 *   @noble/curves on every platform anyway): @noble/curves (identity.ts nobleEd25519), synchronous.
 *
 * With a synchronous one, `id` is known at construction, as before. Signed SYNC/CHORD records never
 * come through here (replica/signatures.ts): one verifier everywhere, see node/native-ed25519.ts.
 */
import type { Identity } from './keys.js';
import { webCryptoEd25519 } from './webcrypto-ed25519.js';

/** A value now, or later. Synchronous implementations stay synchronous all the way through. */
export type MaybePromise<T> = T | Promise<T>;

export interface Ed25519 {
  /** Whether every method answers synchronously (then a socket knows its id at construction). */
  readonly sync: boolean;
  /** The 32-byte public key of a 32-byte secret key (RFC 8032 seed). */
  publicKey(secretKey: Uint8Array): MaybePromise<Uint8Array>;
  /** `identity`'s signature of `message`. */
  sign(identity: Identity, message: Uint8Array): MaybePromise<Uint8Array>;
  /** Never throws or rejects: a malformed key or signature from a peer is just not valid. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
}

let current: Ed25519 = webCryptoEd25519;

/** The Ed25519 sockets use now. */
export function ed25519(): Ed25519 {
  return current;
}

/** Called by the entries that have a better one for this platform (web2p/node: OpenSSL). */
export function useEd25519(suite: Ed25519): void {
  current = suite;
}

/**
 * Makes sockets' Ed25519 synchronous with `suite`, unless it already is (web2p/node's stays): the
 * simulator's ids must be known at once and deterministic, and SyncSocket/ChordSocket bundle
 * @noble/curves anyway.
 */
export function useSyncEd25519(suite: Ed25519): void {
  if (!current.sync) current = suite;
}

/** `then(value)` now when `value` is here, later when it is a promise (`then` may itself answer by a promise). */
export function whenReady<T, R>(value: MaybePromise<T>, then: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}
