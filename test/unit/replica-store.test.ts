/** The one persistence path of sync and chord (replica/replica-store.ts): ordered batches, flush(), failures kept. */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../packages/web2p/src/errors.js';
import { ReplicaStore, openReplicaStore } from '../../packages/web2p/src/replica/replica-store.js';
import { MemoryStore } from '../../packages/web2p/src/store/memory-store.js';
import type { Store } from '../../packages/web2p/src/store/types.js';

const noErrors = (error: unknown): never => {
  throw error;
};

/** A MemoryStore whose writes fail while `failing.now` is true. */
function flaky(failing: { now: boolean }): Store {
  const store = new MemoryStore();
  const fail = () => Promise.reject(new StoreError('disk full'));
  return Object.assign(Object.create(store) as Store, {
    setMany: (pairs: Parameters<Store['setMany']>[0]) => (failing.now ? fail() : store.setMany(pairs)),
  });
}

describe('ReplicaStore', () => {
  it('applies changes in the order they were made, the last change of a name winning', async () => {
    const memory = new MemoryStore();
    const store = new ReplicaStore(memory, false, noErrors);
    store.put('a', 1);
    store.remove('a');
    store.put('b', 1);
    await store.flush();
    store.put('a', 2);
    store.remove('b');
    store.put('c', 3);
    await store.flush();
    expect(await memory.entries()).toEqual([['a', 2], ['c', 3]]);
  });

  it('keeps a failed batch for the next flush, and reports the failure of a write nobody awaited', async () => {
    const failing = { now: true };
    const errors: StoreError[] = [];
    const backing = flaky(failing);
    const store = new ReplicaStore(backing, false, (error) => errors.push(error));
    store.put('a', 1);
    await expect(store.flush()).rejects.toThrow('disk full');
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    failing.now = false;
    await store.flush();
    expect(await store.entries()).toEqual([]); // what it held when opened
    expect(await new ReplicaStore(backing, false, noErrors).entries()).toEqual([['a', 1]]);
  });

  it('openReplicaStore: none for false, the caller\'s Store left open, and a clear TypeError for anything else', async () => {
    expect(openReplicaStore(false, 'ns', noErrors)).toBeUndefined();
    const memory = new MemoryStore();
    const store = openReplicaStore(memory, 'ns', noErrors)!;
    store.put('k', 1);
    await store.close();
    expect(await memory.get('k')).toBe(1); // flushed on close, and still open
    expect(() => openReplicaStore({ directory: 'x' } as never, 'ns', noErrors)).toThrow(TypeError);
  });
});
