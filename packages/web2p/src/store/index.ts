export type { Store, StoreValue } from './types.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { IdbStore } from './idb-store.js';
