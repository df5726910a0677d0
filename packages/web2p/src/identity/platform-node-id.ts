/**
 * The node id a public key owns (keys.ts nodeIdOf), hashed by the platform where that costs a page
 * least. In browsers a socket's key comes by WebCrypto's promise anyway (ed25519.ts), so its id, and
 * the check of a peer's, are hashed by WebCrypto's SHA-384 too: there the pure-JS SHA-384 ran for
 * the first time, interpreted, for 2-11 ms of each page's path to its first message (issue 20's
 * cold-start profiles of `bench:browser`), where WebCrypto's takes a fraction of a millisecond off
 * the main thread. Where Ed25519 is synchronous (Node, the simulator, apps bundling SyncSocket or
 * ChordSocket), ids stay known at once and deterministic: keys.ts's synchronous hash.
 */
import { nodeIdInput, nodeIdOfDigest } from '../wire/node-id.js';
import { ed25519, whenReady, type MaybePromise } from './ed25519.js';
import { nodeIdOf, PUBLIC_KEY_BYTES } from './keys.js';

/** keys.ts nodeIdOf: the same id, at once on synchronous platforms, by WebCrypto's promise in browsers. */
export function platformNodeIdOf(publicKey: Uint8Array, protocolId: string): MaybePromise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (ed25519().sync || subtle === undefined) return nodeIdOf(publicKey, protocolId);
  const input = nodeIdInput(publicKey, protocolId) as Uint8Array<ArrayBuffer>;
  return subtle.digest('SHA-384', input).then(
    (digest) => nodeIdOfDigest(new Uint8Array(digest)),
    // A WebCrypto without SHA-384 (none known): the same id, the slower way.
    () => nodeIdOf(publicKey, protocolId),
  );
}

/** keys.ts ownsNodeId, hashed as platformNodeIdOf hashes. */
export function platformOwnsNodeId(publicKey: Uint8Array, id: string, protocolId: string): MaybePromise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_BYTES) return false;
  return whenReady(platformNodeIdOf(publicKey, protocolId), (derived) => derived === id);
}
