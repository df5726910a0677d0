/**
 * Side effect: `persist: true` keeps sync leases and chord shards in IndexedDB (idb-keyval).
 * Imported by the SyncSocket and ChordSocket entry modules only, so a MeshSocket app does not
 * bundle a store.
 */
import { IdbStore } from '../store/idb-store.js';
import { setPersistentStore } from '../store/persistent-store.js';

setPersistentStore((namespace) => new IdbStore(namespace));
