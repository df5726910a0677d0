import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../packages/web2p/src/errors.js';
import { IdbStore } from '../../packages/web2p/src/store/index.js';
import { describeStoreContract } from '../contract/store-contract.js';

const open = (namespace: string): IdbStore => new IdbStore(namespace);
describeStoreContract('IdbStore', open, open);

/** fake-indexeddb's transaction keeps this internal hook; browsers abort the same way on quota. */
interface AbortableTransaction {
  _abort(errorName: string): void;
}

describe('IdbStore failures', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  async function storeWithData(namespace: string): Promise<IdbStore> {
    const store = new IdbStore(namespace);
    await store.set('kept', { owner: 'a', ts: 1 });
    return store;
  }

  function expectQuotaError(error: unknown): void {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/quota is exhausted/);
    expect(((error as StoreError).cause as DOMException).name).toBe('QuotaExceededError');
  }

  /** Replaces IDBObjectStore.prototype.put for one test; `wrap` gets the real one. */
  function patchPut(wrap: (store: IDBObjectStore, realPut: () => IDBRequest) => IDBRequest): void {
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      return wrap(this, () => realPut.apply(this, args));
    });
  }

  it('maps a put that throws QuotaExceededError to a StoreError, keeping stored data', async () => {
    const store = await storeWithData('quota-throw');
    let puts = 0;
    // The second put of the batch throws, so the first must be rolled back.
    patchPut((_store, realPut) => {
      if (++puts === 2) throw new DOMException('no room left', 'QuotaExceededError');
      return realPut();
    });
    expectQuotaError(await store.setMany([['a', 1], ['b', 2]]).catch((error: unknown) => error));
    puts = 1;
    expectQuotaError(await store.set('c', 3).catch((error: unknown) => error));
    vi.restoreAllMocks();
    expect(await store.entries()).toEqual([['kept', { owner: 'a', ts: 1 }]]);
    await store.close();
  });

  it('maps a transaction aborted with QuotaExceededError, as browsers report it', async () => {
    const store = await storeWithData('quota-abort');
    patchPut((objectStore, realPut) => {
      const request = realPut();
      (objectStore.transaction as unknown as AbortableTransaction)._abort('QuotaExceededError');
      return request;
    });
    expectQuotaError(await store.set('big', new Uint8Array(1024)).catch((error: unknown) => error));
    vi.restoreAllMocks();
    expect(await store.entries()).toEqual([['kept', { owner: 'a', ts: 1 }]]);
    await store.close();
  });

  it('reports a missing IndexedDB as a StoreError saying what to do', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const store = new IdbStore('no-idb');
    const error = await store.get('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/unavailable.*persist: false/);
    expect((error as StoreError).cause).toBeInstanceOf(Error); // from touching the missing global
    await store.close();
  });

  it('reports an IndexedDB that refuses to open (SecurityError) as unavailable', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('storage is disabled', 'SecurityError');
    });
    const store = new IdbStore('refused');
    await expect(store.set('k', 1)).rejects.toThrow(/unavailable/);
    await store.close();
  });

  it('closes a connection that was still opening when close() was called', async () => {
    const store = new IdbStore('close-while-opening');
    const writing = store.set('k', 'v');
    await store.close();
    await writing;
    const again = new IdbStore('close-while-opening');
    expect(await again.get('k')).toBe('v');
    await again.close();
  });
});
