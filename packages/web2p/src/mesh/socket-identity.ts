/** Where a socket's key pair comes from: the app, a service's store (persist), or a fresh draw. */
import { createIdentity, identityFromSecretKey, sameIdentity, type Identity } from '../identity/identity.js';
import type { StoredIdentity } from '../identity/stored-identity.js';
import type { Random } from '../runtime/random.js';
import type { Protocol } from '../wire/protocol.js';
import type { Service } from './service.js';

/** Throws TypeError when an app-supplied identity's public key is not its secret key's. */
export function socketIdentity(supplied: Identity | undefined, random: Random): Identity {
  if (!supplied) return createIdentity(random);
  const identity = identityFromSecretKey(supplied.secretKey);
  if (!sameIdentity(identity, supplied)) throw new TypeError("identity.publicKey is not the public key of identity.secretKey");
  return identity;
}

/** The identity the first service with a store keeps there (SyncSocket with persist), if any. */
export function storedIdentityOf(services: readonly Service[], protocol: Protocol, create: () => Identity): Promise<StoredIdentity> | undefined {
  for (const service of services) {
    const stored = service.storedIdentity?.(protocol, create);
    if (stored) return stored;
  }
  return undefined;
}
