/**
 * Side effect: `persist: true` keeps sync leases and chord shards in IndexedDB (idb-keyval), in a
 * slot of the namespace that is this tab's alone (tab-slot-store.ts). Imported by the SyncSocket and
 * ChordSocket entry modules only, so a MeshSocket app does not bundle a store.
 */
import { StoreError } from '../errors.js';
import { setPersistentStore } from '../store/persistent-store.js';
import { TabSlotStore } from '../store/tab-slot-store.js';

setPersistentStore((namespace, location) => {
  if (location) throw new StoreError('persist: { dir } is for Node (web2p/node); in a browser use persist: true (IndexedDB)');
  return new TabSlotStore(namespace);
});
