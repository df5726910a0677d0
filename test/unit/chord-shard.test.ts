/** A chord node's items (chord/shard.ts) and what the responsible node does with them (chord/operations.ts). */
import { describe, expect, it } from 'vitest';
import type { ChordRequest, WireRecord } from '../../packages/web2p/src/chord/messages.js';
import { execute } from '../../packages/web2p/src/chord/operations.js';
import { encodeRecord } from '../../packages/web2p/src/chord/messages.js';
import { storedSummary } from '../../packages/web2p/src/chord/record-proof.js';
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

/** A record as its writer made it (the shard does not check signatures: the service does, before). */
function rec(key: string, value: Packet | undefined, version: number, writer = W, proof?: WireRecord['proof']): WireRecord {
  return { key: bytes(key), version, value, writer, proof };
}

let nextVersion = NOW;
/** A write request; versions rise from call to call unless given. */
function request(kind: ChordRequest['kind'], key: string, value?: Packet, extra: { version?: number; base?: number; writer?: string } = {}): ChordRequest {
  const writes = kind === 'set' || kind === 'delete';
  const record = writes ? rec(key, kind === 'set' ? value : undefined, extra.version ?? ++nextVersion, extra.writer) : undefined;
  return { kind, id: 'r', hops: 0, final: false, position: keyPosition(bytes(key), K), key: bytes(key), record, base: extra.base };
}

describe('Shard', () => {
  it('stores a record at the version its writer signed', () => {
    const shard = new Shard(K, undefined);
    expect(shard.write(rec('a', 1, NOW)).version).toBe(NOW);
    expect(shard.write(rec('a', 2, NOW + 1)).version).toBe(NOW + 1);
    expect(shard.get(bytes('a'))?.value).toBe(2);
  });

  it('merge keeps the higher version, so a stale copy cannot undo a newer write or delete', () => {
    const shard = new Shard(K, undefined);
    shard.write(rec('a', 'new', NOW));
    expect(shard.merge(rec('a', 'old', NOW - 1))).toBeUndefined();
    expect(shard.get(bytes('a'))?.value).toBe('new');
    expect(shard.merge(rec('a', undefined, NOW + 10))).toMatchObject({ version: NOW + 10, value: undefined });
    expect(shard.get(bytes('a'))).toBeUndefined();
    expect(shard.merge(rec('a', 'resurrected?', NOW + 5))).toBeUndefined();
    expect(shard.liveKeys(0, 0)).toEqual([]);
  });

  it('ranges follow ring positions, tombstones included; live keys without them', () => {
    const shard = new Shard(K, undefined);
    for (const key of ['a', 'b', 'c', 'd']) shard.write(rec(key, key, NOW));
    shard.write(rec('d', undefined, NOW + 1));
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
    shard.write(rec('x', 1, NOW));
    shard.write(rec('x', undefined, NOW + 1));
    shard.purgeTombstones(NOW + TOMBSTONE_MS);
    expect(shard.all()).toHaveLength(1);
    shard.purgeTombstones(NOW + TOMBSTONE_MS + 2);
    expect(shard.all()).toHaveLength(0);
  });

  it('persists items with their proofs and the position; flush() makes them durable; a new shard loads them; clear() empties the store', async () => {
    const store = new MemoryStore();
    const persisted = new ReplicaStore(store, false, noErrors);
    const shard = new Shard(K, persisted);
    const proof = { publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) };
    shard.write(rec('kept', { deep: [1, 2] }, NOW, W, proof));
    shard.write(rec('gone', 1, NOW, W, proof));
    shard.write(rec('gone', undefined, NOW + 1, W, proof));
    shard.write(rec('unsigned', 'from before signing', NOW));
    shard.savePosition(77);
    await persisted.flush();
    const legacy = new Shard(K, new ReplicaStore(store, false, noErrors));
    expect(await legacy.load(true)).toBe(77); // trust 'legacy' keeps unsigned records
    expect(legacy.get(bytes('unsigned'))?.value).toBe('from before signing');
    const reopened = new ReplicaStore(store, false, noErrors);
    const reloaded = new Shard(K, reopened);
    expect(await reloaded.load(false)).toBe(77);
    expect(reloaded.get(bytes('kept'))).toMatchObject({ value: { deep: [1, 2] }, proof });
    expect(reloaded.get(bytes('gone'))).toBeUndefined();
    expect(reloaded.get(bytes('unsigned'))).toBeUndefined(); // strict peers would refuse it
    expect(reloaded.all()).toHaveLength(2);
    reloaded.clear();
    await reopened.flush();
    expect(await store.entries()).toEqual([]);
  });

  it('reports a failing store instead of throwing, and flush() says the data is not durable', async () => {
    const failures: unknown[] = [];
    const persisted = new ReplicaStore(new MemoryStore({ quotaBytes: 10 }), false, (error) => failures.push(error));
    const shard = new Shard(K, persisted);
    shard.write(rec('big', 'x'.repeat(100), NOW));
    await expect(persisted.flush()).rejects.toBeInstanceOf(StoreError);
    expect(failures).toHaveLength(1);
    expect(shard.get(bytes('big'))?.value).toBe('x'.repeat(100));
  });
});

describe('execute (the responsible node)', () => {
  it('get answers the record; set and delete store the signed record and answer [version, value hash]', () => {
    const shard = new Shard(K, undefined);
    expect(execute(request('get', 'k'), shard)).toMatchObject({ status: 'absent', written: undefined });
    const write = request('set', 'k', 'v');
    const set = execute(write, shard);
    expect(set.status).toBe('ok');
    expect(set.written?.value).toBe('v');
    expect(set.value).toEqual(storedSummary(write.record!));
    expect(execute(request('get', 'k'), shard)).toMatchObject({ status: 'ok', value: encodeRecord(write.record!) });
    expect(execute(request('delete', 'k'), shard).written?.value).toBeUndefined();
    expect(execute(request('delete', 'k'), shard)).toMatchObject({ status: 'absent', written: undefined });
  });

  it("a write whose version does not beat the one held is not made ('stale', with the version held)", () => {
    const shard = new Shard(K, undefined);
    execute(request('set', 'k', 'first', { version: NOW }), shard);
    expect(execute(request('set', 'k', 'behind', { version: NOW }), shard)).toMatchObject({ status: 'stale', value: NOW, written: undefined });
    expect(execute(request('set', 'k', 'next', { version: NOW + 1 }), shard).status).toBe('ok');
    expect(shard.get(bytes('k'))?.value).toBe('next');
  });

  it("a conditional write (applyDelta's) is made only on the live value it was based on (0: none)", () => {
    const shard = new Shard(K, undefined);
    expect(execute(request('set', 'm', { a: 1 }, { version: NOW, base: 0 }), shard).status).toBe('ok');
    expect(execute(request('set', 'm', { b: 2 }, { version: NOW + 1, base: 0 }), shard)).toMatchObject({ status: 'stale', value: NOW });
    expect(execute(request('set', 'm', { a: 1, b: 2 }, { version: NOW + 1, base: NOW }), shard).status).toBe('ok');
    expect(shard.get(bytes('m'))?.value).toEqual({ a: 1, b: 2 });
  });

  it("refuses a write past its writer's quota ('quota', nothing written), counting replacements and deletions as the shard holds them", () => {
    const shard = new Shard(K, undefined, { keys: 2, bytes: 64 });
    const other = '9zQmPwother';
    expect(execute(request('set', 'a', 1), shard).status).toBe('ok');
    expect(execute(request('set', 'b', 2), shard).status).toBe('ok');
    expect(execute(request('set', 'c', 3), shard)).toMatchObject({ status: 'quota', value: 'keys', over: 'keys', written: undefined });
    expect(shard.get(bytes('c'))).toBeUndefined();
    expect(execute(request('set', 'a', 'replaced'), shard).status).toBe('ok'); // its own key: no new key
    expect(execute(request('set', 'a', 'x'.repeat(64)), shard)).toMatchObject({ status: 'quota', over: 'bytes' });
    expect(execute(request('set', 'c', 3, { writer: other }), shard).status).toBe('ok'); // each writer its own quota
    expect(execute(request('delete', 'b'), shard).status).toBe('ok');
    expect(execute(request('set', 'd', 4), shard).status).toBe('quota'); // b's tombstone still counts
    const later = NOW + 2 * TOMBSTONE_MS;
    shard.purgeTombstones(later);
    expect(execute(request('set', 'd', 4), shard).status).toBe('ok');
  });
});
