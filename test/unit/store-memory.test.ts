import { describe, expect, it } from 'vitest';
import { StoreError } from '../../packages/web2p/src/errors.js';
import { MemoryStore } from '../../packages/web2p/src/store/index.js';
import { describeStoreContract } from '../contract/store-contract.js';

describeStoreContract('MemoryStore', () => new MemoryStore());

describe('MemoryStore quota', () => {
  it('refuses a write past quotaBytes with a StoreError and keeps what was stored', async () => {
    const store = new MemoryStore({ quotaBytes: 100 });
    await store.set('a', 'x'.repeat(20)); // about 42 bytes
    const tooMuch = store.setMany([
      ['b', 'y'.repeat(5)],
      ['c', new Uint8Array(80)],
    ]);
    await expect(tooMuch).rejects.toThrow(StoreError);
    await expect(tooMuch).rejects.toThrow(/quota exceeded/);
    expect(await store.entries()).toEqual([['a', 'x'.repeat(20)]]);
  });

  it('counts overwrites and deletes, so freed room can be used again', async () => {
    const store = new MemoryStore({ quotaBytes: 100 });
    await store.set('a', new Uint8Array(90));
    await expect(store.set('b', new Uint8Array(20))).rejects.toBeInstanceOf(StoreError);
    await store.set('a', new Uint8Array(10)); // replacing shrinks the total
    await store.set('b', new Uint8Array(20));
    await store.delete('a');
    await store.set('c', new Uint8Array(70));
    await store.clear();
    await store.set('d', new Uint8Array(95));
    expect((await store.entries()).map(([key]) => key)).toEqual(['d']);
  });
});
