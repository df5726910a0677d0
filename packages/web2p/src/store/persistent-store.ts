import { StoreError } from '../errors.js';
import type { PersistLocation, Store } from './types.js';

/**
 * Opens the store `persist: true` or `persist: { dir }` means for a namespace; `location` is
 * undefined for `true`. The package entry chooses it (IndexedDB in browsers, a directory in Node),
 * so the sockets never import a concrete store.
 */
export type PersistentStoreFactory = (namespace: string, location: PersistLocation | undefined) => Store;

let makePersistentStore: PersistentStoreFactory | undefined;

export function setPersistentStore(make: PersistentStoreFactory): void {
  makePersistentStore = make;
}

/** A new persistent store for `namespace`; throws StoreError when the entry chose none. */
export function persistentStore(namespace: string, location?: PersistLocation): Store {
  if (!makePersistentStore) throw new StoreError('persist: true has no persistent store here: pass a Store instead');
  return makePersistentStore(namespace, location);
}
