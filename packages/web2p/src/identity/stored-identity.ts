/**
 * A node's key pair in its store (issue 15, issue 13 items 2 and 11): the store slot a socket
 * persists to (a tab's IndexedDB slot, a Node LevelDB directory) keeps the secret key as one more
 * entry, so the node id, and with it the leases taken under it, survives reloads and restarts, and
 * two tabs (two slots) stay two nodes.
 */
import { StoreError } from '../errors.js';
import type { StoreValue } from '../store/types.js';
import { identityFromSecretKey, SECRET_KEY_BYTES, type Identity } from './identity.js';
import type { MaybePromise } from './ed25519.js';

/** The entry the secret key is kept under; the store's other users skip it. */
export const IDENTITY_ENTRY = 'identity';

/** The part of a replica store (replica/replica-store.ts) this needs. */
export interface IdentitySlot {
  entries(): Promise<[string, StoreValue][]>;
  put(name: string, value: StoreValue): void;
  flush(): Promise<void>;
}

export interface StoredIdentity {
  identity: Identity;
  /** Set when a new key pair could not be made durable (it is written again with the next write). */
  error?: StoreError;
}

/**
 * The key pair the slot holds, or a new one from `create`, written and flushed before it is used:
 * an id whose leases could be lost in a crash would lock the node out of its own keys. Rejects with
 * a StoreError when the slot cannot be read.
 */
export async function storedIdentity(slot: IdentitySlot, create: () => MaybePromise<Identity>): Promise<StoredIdentity> {
  const kept = (await slot.entries()).find(([name]) => name === IDENTITY_ENTRY)?.[1];
  if (kept instanceof Uint8Array && kept.length === SECRET_KEY_BYTES) return { identity: identityFromSecretKey(kept) };
  const identity = await create();
  slot.put(IDENTITY_ENTRY, identity.secretKey);
  try {
    await slot.flush();
    return { identity };
  } catch (error) {
    return { identity, error: error instanceof StoreError ? error : new StoreError(String(error)) };
  }
}
