/** A chord node's items (chord/shard.ts) and what the responsible node does with them (chord/operations.ts). */
import { describe, expect, it } from 'vitest';
import type { ChordRequest } from '../../packages/web2p/src/chord/messages.js';
import { execute } from '../../packages/web2p/src/chord/operations.js';
import { keyPosition } from '../../packages/web2p/src/chord/ring.js';
import { Shard } from '../../packages/web2p/src/chord/shard.js';
import { TOMBSTONE_MS } from '../../packages/web2p/src/replica/constants.js';
import { ReplicaStore } from '../../packages/web2p/src/replica/replica-store.js';
import { MemoryStore } from '../../packages/web2p/src/store/index.js';
import { StoreError, type Packet } from '../../packages/web2p/src/index.js';

const K = 8;
const NOW = 1_704_067_200_000;
/** The writer of the records here. */
const W = '5Hk3xTwriter';
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const noErrors = (error: unknown): never => {
  throw error;
};

function request(kind: ChordRequest['kind'], key: string, value?: Packet): ChordRequest {
  return { kind, id: 'r', hops: 0, final: false, position: keyPosition(bytes(key), K), key: bytes(key), value, writer: W };
}

describe('Shard', () => {
  it('versions: a write beats what it replaces, even from a clock that is behind', () => {
    const shard = new Shard(K, undefined);
    const first = shard.write(bytes('a'), 1, NOW, W);
    expect(first.version).toBe(NOW);
    expect(shard.write(bytes('a'), 2, NOW - 5_000, W).version).toBe(NOW + 1);
    expect(shard.get(bytes('a'))?.value).toBe(2);
  });

  it('merge keeps the higher version, so a stale copy cannot undo a newer write or delete', () => {
    const shard = new Shard(K, undefined);
    shard.write(bytes('a'), 'new', NOW, W);
    expect(shard.merge({ key: bytes('a'), version: NOW - 1, value: 'old', writer: W })).toBe(false);
    expect(shard.get(bytes('a'))?.value).toBe('new');
    expect(shard.merge({ key: bytes('a'), version: NOW + 10, value: undefined, writer: W })).toBe(true);
    expect(shard.get(bytes('a'))).toBeUndefined();
    expect(shard.merge({ key: bytes('a'), version: NOW + 5, value: 'resurrected?', writer: W })).toBe(false);
    expect(shard.liveKeys(0, 0)).toEqual([]);
  });

  it('ranges follow ring positions, tombstones included; live keys without them', () => {
    const shard = new Shard(K, undefined);
    for (const key of ['a', 'b', 'c', 'd']) shard.write(bytes(key), key, NOW, W);
    shard.write(bytes('d'), undefined, NOW + 1, W);
    const positions = new Map(['a', 'b', 'c', 'd'].map((key) => [key, keyPosition(bytes(key), K)]));
    const pa = positions.get('a')!;
    const inA = shard.range(pa - 1 < 0 ? 255 : pa - 1, pa).map((item) => new TextDecoder().decode(item.key));
    expect(inA).toContain('a');
    expect(shard.range(undefined, 0)).toHaveLength(4);
    expect(shard.all()).toHaveLength(4);
    expect(shard.liveKeys(0, 0).map((key) => new TextDecoder().decode(key)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('forgets tombstones after TOMBSTONE_MS', () => {
    const shard = new Shard(K, undefined);
    shard.write(bytes('x'), 1, NOW, W);
    shard.write(bytes('x'), undefined, NOW + 1, W);
    shard.purgeTombstones(NOW + TOMBSTONE_MS);
    expect(shard.all()).toHaveLength(1);
    shard.purgeTombstones(NOW + TOMBSTONE_MS + 2);
    expect(shard.all()).toHaveLength(0);
  });

  it('persists items and the position; flush() makes them durable; a new shard loads them; clear() empties the store', async () => {
    const store = new MemoryStore();
    const persisted = new ReplicaStore(store, false, noErrors);
    const shard = new Shard(K, persisted);
    shard.write(bytes('kept'), { deep: [1, 2] }, NOW, W);
    shard.write(bytes('gone'), 1, NOW, W);
    shard.write(bytes('gone'), undefined, NOW + 1, W);
    shard.savePosition(77);
    await persisted.flush();
    const reopened = new ReplicaStore(store, false, noErrors);
    const reloaded = new Shard(K, reopened);
    expect(await reloaded.load()).toBe(77);
    expect(reloaded.get(bytes('kept'))?.value).toEqual({ deep: [1, 2] });
    expect(reloaded.get(bytes('gone'))).toBeUndefined();
    expect(reloaded.all()).toHaveLength(2);
    reloaded.clear();
    await reopened.flush();
    expect(await store.entries()).toEqual([]);
  });

  it('reports a failing store instead of throwing, and flush() says the data is not durable', async () => {
    const failures: unknown[] = [];
    const persisted = new ReplicaStore(new MemoryStore({ quotaBytes: 10 }), false, (error) => failures.push(error));
    const shard = new Shard(K, persisted);
    shard.write(bytes('big'), 'x'.repeat(100), NOW, W);
    await expect(persisted.flush()).rejects.toBeInstanceOf(StoreError);
    expect(failures).toHaveLength(1);
    expect(shard.get(bytes('big'))?.value).toBe('x'.repeat(100));
  });
});

describe('execute (the responsible node)', () => {
  it('get, set, delete', () => {
    const shard = new Shard(K, undefined);
    expect(execute(request('get', 'k'), shard, NOW)).toMatchObject({ status: 'absent', written: undefined });
    const set = execute(request('set', 'k', 'v'), shard, NOW);
    expect(set.status).toBe('ok');
    expect(set.written?.value).toBe('v');
    expect(execute(request('get', 'k'), shard, NOW)).toMatchObject({ status: 'ok', value: 'v' });
    expect(execute(request('delete', 'k'), shard, NOW).written?.value).toBeUndefined();
    expect(execute(request('delete', 'k'), shard, NOW)).toMatchObject({ status: 'absent', written: undefined });
  });

  it('delta merges one level deep into a mapping, creates one, and refuses a non-mapping', () => {
    const shard = new Shard(K, undefined);
    expect(execute(request('delta', 'm', { a: 1 }), shard, NOW).value).toEqual({ a: 1 });
    expect(execute(request('delta', 'm', { b: { c: 2 }, a: 3 }), shard, NOW).value).toEqual({ a: 3, b: { c: 2 } });
    execute(request('set', 'list', [1, 2]), shard, NOW);
    expect(execute(request('delta', 'list', { a: 1 }), shard, NOW)).toMatchObject({ status: 'type', written: undefined });
    expect(shard.get(bytes('list'))?.value).toEqual([1, 2]);
  });

  it("refuses a write past its writer's quota ('quota', nothing written), counting replacements and deletions as the shard holds them", () => {
    const shard = new Shard(K, undefined, { keys: 2, bytes: 64 });
    const other = '9zQmPwother';
    expect(execute(request('set', 'a', 1), shard, NOW).status).toBe('ok');
    expect(execute(request('set', 'b', 2), shard, NOW).status).toBe('ok');
    expect(execute(request('set', 'c', 3), shard, NOW)).toMatchObject({ status: 'quota', value: 'keys', over: 'keys', written: undefined });
    expect(shard.get(bytes('c'))).toBeUndefined();
    expect(execute(request('set', 'a', 'replaced'), shard, NOW).status).toBe('ok'); // its own key: no new key
    expect(execute(request('set', 'a', 'x'.repeat(64)), shard, NOW)).toMatchObject({ status: 'quota', over: 'bytes' });
    expect(execute({ ...request('set', 'c', 3), writer: other }, shard, NOW).status).toBe('ok'); // each writer its own quota
    expect(execute(request('delete', 'b'), shard, NOW).status).toBe('ok');
    expect(execute(request('set', 'd', 4), shard, NOW).status).toBe('quota'); // b's tombstone still counts
    const later = NOW + 2 * TOMBSTONE_MS;
    shard.purgeTombstones(later);
    expect(execute(request('set', 'd', 4), shard, later).status).toBe('ok');
  });
});
