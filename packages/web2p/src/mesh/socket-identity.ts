/**
 * Where a socket's key pair comes from: the app, a service's store (persist), or a fresh draw. Keys
 * are made with the platform's Ed25519 (identity/ed25519.ts): at once in Node and the simulator, by
 * WebCrypto's promise in browsers (the socket's `ready` waits for it).
 */
import { ed25519, whenReady, type MaybePromise } from '../identity/ed25519.js';
import { SECRET_KEY_BYTES, secretKeyCopy, type Identity } from '../identity/keys.js';
import type { StoredIdentity } from '../identity/stored-identity.js';
import type { Random } from '../runtime/random.js';
import { bytesEqual } from '../wire/packet.js';
import type { Protocol } from '../wire/protocol.js';
import type { Service } from './service.js';

/** A fresh key pair; its secret comes from `random` (drawn now, so a seeded simulation gets the same ids). */
export function freshIdentity(random: Random): MaybePromise<Identity> {
  const secretKey = random.bytes(SECRET_KEY_BYTES);
  return whenReady(ed25519().publicKey(secretKey), (publicKey) => ({ secretKey, publicKey }));
}

/**
 * An app-supplied key pair, copied, and the check that its public key is its secret key's: a
 * TypeError when not (thrown now, or the promise's rejection with an asynchronous Ed25519).
 */
export function suppliedIdentity(supplied: Identity): { identity: Identity; checked: MaybePromise<void> } {
  const identity = { secretKey: secretKeyCopy(supplied.secretKey), publicKey: supplied.publicKey.slice() };
  const checked = whenReady(ed25519().publicKey(identity.secretKey), (publicKey) => {
    if (!bytesEqual(publicKey, identity.publicKey)) throw new TypeError('identity.publicKey is not the public key of identity.secretKey');
  });
  return { identity, checked };
}

/** The identity the first service with a store keeps there (SyncSocket with persist), if any. */
export function storedIdentityOf(services: readonly Service[], protocol: Protocol, create: () => MaybePromise<Identity>): Promise<StoredIdentity> | undefined {
  for (const service of services) {
    const stored = service.storedIdentity?.(protocol, create);
    if (stored) return stored;
  }
  return undefined;
}
