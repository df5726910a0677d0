import { describe, expect, it } from 'vitest';
import { StoreError } from '../../packages/web2p/src/errors.js';
import type { Store, StoreValue } from '../../packages/web2p/src/store/types.js';

/** Opens the namespace: a fresh one for makeStore, the same one again for reopen. */
export type OpenStore = (namespace: string) => Store | Promise<Store>;

/** One of every kind of value a Store must round-trip, nested ones included. */
const VALUES: [string, StoreValue][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['negative float', -1.5],
  ['largest safe integer', Number.MAX_SAFE_INTEGER],
  ['NaN', Number.NaN],
  ['bigint past 2^64', 2n ** 70n + 1n],
  ['empty string', ''],
  ['non-ASCII string', 'héllo 测试 🌍'],
  ['empty bytes', new Uint8Array(0)],
  ['bytes', new Uint8Array([0, 1, 127, 128, 255])],
  ['empty array', []],
  ['mixed array', [1, 'two', null, false, new Uint8Array([3])]],
  ['empty object', {}],
  ['nested object', { owner: 'Qm3x', ts: 1_700_000_000, value: { list: [1, { b: new Uint8Array([9]) }] } }],
];

/**
 * The Store contract of store/types.ts, for any backend. `makeStore` opens a namespace; `reopen`,
 * given only for persistent backends, opens the same namespace again after a close.
 */
export function describeStoreContract(
  name: string,
  makeStore: OpenStore,
  reopen?: OpenStore,
): void {
  let counter = 0;
  const freshNamespace = (): string => `${name}-contract-${counter++}`;

  async function withStore(test: (store: Store) => Promise<void>): Promise<void> {
    const store = await makeStore(freshNamespace());
    try {
      await test(store);
    } finally {
      await store.close();
    }
  }

  const sorted = (pairs: [string, StoreValue][]): [string, StoreValue][] =>
    [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  describe(`Store contract: ${name}`, () => {
    it('answers undefined for a key never set', () =>
      withStore(async (store) => {
        expect(await store.get('absent')).toBeUndefined();
      }));

    it.each(VALUES)('round-trips %s', (_label, value) =>
      withStore(async (store) => {
        await store.set('k', value);
        const back = await store.get('k');
        expect(back).toEqual(value);
        if (value instanceof Uint8Array) expect(back).toBeInstanceOf(Uint8Array);
      }));

    it('keeps bytes nested in objects as Uint8Array', () =>
      withStore(async (store) => {
        await store.set('k', { inner: [new Uint8Array([1, 2])] });
        const back = (await store.get('k')) as { inner: [Uint8Array] };
        expect(back.inner[0]).toBeInstanceOf(Uint8Array);
        expect([...back.inner[0]]).toEqual([1, 2]);
      }));

    it('overwrites a key with the latest value', () =>
      withStore(async (store) => {
        await store.set('k', 'first');
        await store.set('k', { second: true });
        expect(await store.get('k')).toEqual({ second: true });
        expect(await store.entries()).toEqual([['k', { second: true }]]);
      }));

    it('deletes a key, and deleting an absent key is not an error', () =>
      withStore(async (store) => {
        await store.setMany([
          ['a', 1],
          ['b', 2],
        ]);
        await store.delete('a');
        await store.delete('never-there');
        expect(await store.get('a')).toBeUndefined();
        expect(await store.entries()).toEqual([['b', 2]]);
      }));

    it('deleteMany removes exactly the listed keys', () =>
      withStore(async (store) => {
        await store.setMany([
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ]);
        await store.deleteMany(['a', 'c', 'never-there']);
        expect(await store.entries()).toEqual([['b', 2]]);
        await store.deleteMany([]);
        expect(await store.entries()).toEqual([['b', 2]]);
      }));

    it('setMany writes every pair, the last of a repeated key winning', () =>
      withStore(async (store) => {
        await store.set('old', 'kept');
        await store.setMany([
          ['a', 1],
          ['b', [2]],
          ['a', 'last'],
        ]);
        expect(sorted(await store.entries())).toEqual([
          ['a', 'last'],
          ['b', [2]],
          ['old', 'kept'],
        ]);
        await store.setMany([]);
        expect(await store.entries()).toHaveLength(3);
      }));

    it('setMany is seen all at once by a read racing it', () =>
      withStore(async (store) => {
        const batch = Array.from({ length: 50 }, (_, i): [string, StoreValue] => [`key${i}`, i]);
        const writing = store.setMany(batch);
        const reading = store.entries();
        await writing;
        expect([0, 50]).toContain((await reading).length);
        expect(await store.entries()).toHaveLength(50);
      }));

    it('a setMany that fails part-way writes nothing', () =>
      withStore(async (store) => {
        await store.set('a', 'before');
        const uncloneable = (() => 1) as unknown as StoreValue;
        const failing = store.setMany([
          ['a', 'after'],
          ['b', 'new'],
          ['c', { nested: uncloneable }],
        ]);
        await expect(failing).rejects.toBeInstanceOf(StoreError);
        expect(await store.entries()).toEqual([['a', 'before']]);
      }));

    it('lists every pair with entries()', () =>
      withStore(async (store) => {
        const pairs = VALUES.map(([label, value]): [string, StoreValue] => [label, value]);
        await store.setMany(pairs);
        expect(sorted(await store.entries())).toEqual(sorted(pairs));
      }));

    it('clear() empties the namespace and leaves it usable', () =>
      withStore(async (store) => {
        await store.setMany([
          ['a', 1],
          ['b', 2],
        ]);
        await store.clear();
        expect(await store.entries()).toEqual([]);
        await store.set('c', 3);
        expect(await store.entries()).toEqual([['c', 3]]);
      }));

    it('keeps two namespaces apart', () =>
      withStore(async (first) =>
        withStore(async (second) => {
          await first.set('shared', 'one');
          await second.set('shared', 'two');
          await second.set('only-second', true);
          expect(await first.get('shared')).toBe('one');
          expect(await first.get('only-second')).toBeUndefined();
          await first.clear();
          expect(sorted(await second.entries())).toEqual([
            ['only-second', true],
            ['shared', 'two'],
          ]);
        }),
      ));

    it('stores copies: mutating what was set or what was read changes nothing stored', () =>
      withStore(async (store) => {
        const value = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) };
        await store.set('k', value);
        value.list.push(3);
        value.bytes[0] = 99;
        const read = (await store.get('k')) as { list: number[]; bytes: Uint8Array };
        expect(read).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
        read.list.push(4);
        read.bytes[1] = 99;
        const listed = (await store.entries())[0]?.[1] as { list: number[] };
        listed.list.push(5);
        expect(await store.get('k')).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
      }));

    it('rejects every call after close() with a StoreError; close() is idempotent', async () => {
      const store = await makeStore(freshNamespace());
      await store.set('k', 1);
      await store.close();
      await store.close();
      const calls: (() => Promise<unknown>)[] = [
        () => store.get('k'),
        () => store.set('k', 2),
        () => store.setMany([['k', 2]]),
        () => store.delete('k'),
        () => store.deleteMany(['k']),
        () => store.entries(),
        () => store.clear(),
      ];
      for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StoreError);
    });

    if (reopen) {
      it('keeps every resolved write across close and reopen', async () => {
        const namespace = freshNamespace();
        const store = await makeStore(namespace);
        await store.set('single', { ts: 1, owner: 'a' });
        await store.setMany([
          ['batch1', new Uint8Array([7])],
          ['batch2', [1, 2]],
          ['gone', 'soon'],
        ]);
        await store.delete('gone');
        await store.close();
        const again = await reopen(namespace);
        try {
          expect(sorted(await again.entries())).toEqual([
            ['batch1', new Uint8Array([7])],
            ['batch2', [1, 2]],
            ['single', { ts: 1, owner: 'a' }],
          ]);
        } finally {
          await again.close();
        }
      });
    }
  });
}
