import { StoreError } from '../errors.js';
import type { Store } from './types.js';

/**
 * The store that `persist: true` opens. The package entry chooses it (IndexedDB), so the sockets
 * never import a concrete store.
 */
let makePersistentStore: ((namespace: string) => Store) | undefined;

export function setPersistentStore(make: (namespace: string) => Store): void {
  makePersistentStore = make;
}

/** A new persistent store for `namespace`; throws StoreError when the entry chose none. */
export function persistentStore(namespace: string): Store {
  if (!makePersistentStore) throw new StoreError('persist: true has no persistent store here: pass a Store instead');
  return makePersistentStore(namespace);
}
