/**
 * The SHA-256 that message ids are made of (PROTOCOL.md §1.2). Pure JS by default, so the browser
 * bundle needs nothing else; `web2p/node` plugs in Node's native one, several times faster on large
 * bodies, where hashing was most of the cost of a 64 KiB message.
 *
 * Browsers have a native SHA-256 too, but only asynchronous (crypto.subtle.digest): a transport that
 * offers it (the platform WebRTC transport) hands it to its sockets as `Transport.messageDigest`, and
 * they hash large broadcasts with it in order (broadcast-outbox.ts, mesh/id-verifier.ts). The
 * simulator offers none, so it stays synchronous and deterministic.
 */
import { sha256 as pureSha256 } from './sha2.js';

let digest: (bytes: Uint8Array) => Uint8Array = pureSha256;
/** Whether `digest` is a native one (then it is used for every body, synchronously). */
let native = false;

/** An asynchronous SHA-256 (the browser's crypto.subtle.digest). */
export type AsyncMessageHash = (bytes: Uint8Array) => Promise<Uint8Array>;

/**
 * Bodies below this many bytes are hashed in JS even where a native async digest is offered: in
 * Chromium the native call took 6 µs for 100 bytes and 11 µs for 1 KiB one at a time, the pure-JS
 * hash a few µs per 512 bytes on a quiet machine, and the async call also costs the message a task
 * hop and a place in its link's order queue. From 1 KiB up native wins clearly (64 KiB: 91 µs
 * native, about 1.3 ms in JS).
 */
export const NATIVE_DIGEST_MIN_BYTES = 512;

/** SHA-256 of `bytes`, with the implementation in use. */
export function messageHash(bytes: Uint8Array): Uint8Array {
  return digest(bytes);
}

/** Replaces the implementation (an entry point that has a native one calls this once). */
export function useMessageHash(implementation: (bytes: Uint8Array) => Uint8Array): void {
  digest = implementation;
  native = true;
}

/**
 * The asynchronous native digest to hash bodies of NATIVE_DIGEST_MIN_BYTES and more with, given what
 * a transport offers: none where the synchronous hash is native already (Node) or nothing is offered.
 */
export function asyncDigestFrom(offered: AsyncMessageHash | undefined): AsyncMessageHash | undefined {
  return native ? undefined : offered;
}

/** The platform's crypto.subtle SHA-256, where there is one (browsers in a secure context, Node). */
export function subtleMessageHash(): AsyncMessageHash | undefined {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return undefined;
  return async (bytes) => new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}
