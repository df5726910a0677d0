/**
 * The SHA-256 that message ids are made of (PROTOCOL.md §1.2). Pure JS by default, so the browser
 * bundle needs nothing else; `web2p/node` plugs in Node's native one, several times faster on large
 * bodies, where hashing was most of the cost of a 64 KiB message.
 */
import { sha256 as pureSha256 } from '@noble/hashes/sha2.js';

let digest: (bytes: Uint8Array) => Uint8Array = pureSha256;

/** SHA-256 of `bytes`, with the implementation in use. */
export function messageHash(bytes: Uint8Array): Uint8Array {
  return digest(bytes);
}

/** Replaces the implementation (an entry point that has a native one calls this once). */
export function useMessageHash(implementation: (bytes: Uint8Array) => Uint8Array): void {
  digest = implementation;
}
