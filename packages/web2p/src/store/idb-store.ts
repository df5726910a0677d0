import {
  clear,
  createStore,
  del,
  delMany,
  entries,
  get,
  promisifyRequest,
  set,
  type UseStore,
} from 'idb-keyval';
import { StoreError } from '../errors.js';
import { closedStoreError } from './closed.js';
import { IDB_DATABASE_PREFIX, IDB_OBJECT_STORE } from './constants.js';
import type { Store, StoreValue } from './types.js';

/**
 * A Store in IndexedDB through idb-keyval, for browsers: one database per namespace. A write
 * resolves when its transaction has committed, which is the Store's durability promise. Browser
 * APIs only, so it bundles unchanged; under Node it needs an IndexedDB such as fake-indexeddb.
 */
export class IdbStore implements Store {
  private readonly useStore: UseStore;
  /** The open connection, remembered from the first transaction so close() can release it. */
  private db: IDBDatabase | undefined;
  private closed = false;

  constructor(readonly namespace: string) {
    // createStore opens nothing until the first call, so a missing IndexedDB surfaces as a
    // StoreError from that call rather than from a constructor.
    this.useStore = createStore(IDB_DATABASE_PREFIX + namespace, IDB_OBJECT_STORE);
  }

  get(key: string): Promise<StoreValue | undefined> {
    return this.run('read', (store) => get<StoreValue>(key, store));
  }

  set(key: string, value: StoreValue): Promise<void> {
    return this.run('write', (store) => set(key, value, store));
  }

  setMany(pairs: readonly (readonly [string, StoreValue])[]): Promise<void> {
    // Not idb-keyval's setMany: when a put throws synchronously (a value that cannot be cloned),
    // its transaction still commits the puts before it. Aborting keeps the batch all-or-nothing.
    return this.run('write', (store) =>
      store('readwrite', (objectStore) => {
        try {
          for (const [key, value] of pairs) objectStore.put(value, key);
        } catch (error) {
          objectStore.transaction.abort();
          throw error;
        }
        return promisifyRequest(objectStore.transaction);
      }),
    );
  }

  delete(key: string): Promise<void> {
    return this.run('delete', (store) => del(key, store));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run('delete', (store) => delMany([...keys], store));
  }

  entries(): Promise<[string, StoreValue][]> {
    return this.run('read', (store) => entries<string, StoreValue>(store));
  }

  clear(): Promise<void> {
    return this.run('clear', (store) => clear(store));
  }

  async close(): Promise<void> {
    this.closed = true;
    // IndexedDB lets transactions already started finish before the connection really closes.
    this.db?.close();
    this.db = undefined;
  }

  /** Runs one idb-keyval call, turning every failure into a StoreError. */
  private async run<T>(operation: string, call: (store: UseStore) => Promise<T>): Promise<T> {
    if (this.closed) throw closedStoreError(`IndexedDB store "${this.namespace}"`);
    try {
      return await call(this.remembering);
    } catch (error) {
      throw toStoreError(error, operation, this.namespace);
    }
  }

  /** The same UseStore, noting the connection each transaction runs on. */
  private readonly remembering: UseStore = (mode, callback) =>
    this.useStore(mode, (objectStore) => {
      const db = objectStore.transaction.db;
      try {
        return callback(objectStore);
      } finally {
        // A close() that came while the connection was still opening found nothing to close.
        if (this.closed) db.close();
        else this.db = db;
      }
    });
}

/** Says which of the usual IndexedDB failures happened, keeping the original as the cause. */
function toStoreError(error: unknown, operation: string, namespace: string): StoreError {
  const where = `IndexedDB store "${namespace}"`;
  const name = (error as { name?: unknown } | null | undefined)?.name;
  if (name === 'QuotaExceededError') {
    return new StoreError(
      `${where}: the ${operation} failed because the storage quota is exhausted; none of it ` +
        'was stored. Delete unused keys, or ask for more room with navigator.storage.persist()',
      { cause: error },
    );
  }
  const refused = name === 'SecurityError' || name === 'InvalidStateError';
  if (typeof indexedDB === 'undefined' || refused) {
    return new StoreError(
      `${where}: IndexedDB is unavailable or refused the connection (storage disabled, a ` +
        'private window, or not a browser); use persist: false or pass a MemoryStore',
      { cause: error },
    );
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StoreError(`${where}: the ${operation} failed (${detail})`, { cause: error });
}
