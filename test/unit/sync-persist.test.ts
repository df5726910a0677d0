/**
 * SyncSocket persistence: values with their lease metadata survive a reload
 * (a new socket on the same store), leases the node held stay held, flush() means durable, and a
 * full store is reported, never silently lost. Run over MemoryStore and over IdbStore with
 * fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import {
  createIdentity,
  IdbStore,
  type Identity,
  LeaseError,
  MemoryStore,
  StoreError,
  SyncSocket,
  utf8,
  type Store,
} from '../../packages/web2p/src/index.js';
import { SimNetwork } from '../../packages/web2p/src/sim/index.js';
import { systemRandom } from '../../packages/web2p/src/runtime/random.js';

let namespaces = 0;

/** How each backend is handed to a socket, and how a "reload" gets the same data back. */
const backends: Array<[string, () => { persist: () => true | Store; name?: string }]> = [
  [
    'MemoryStore',
    () => {
      const store = new MemoryStore();
      return { persist: () => store };
    },
  ],
  ['IdbStore (persist: true)', () => ({ persist: () => true, name: `t${namespaces++}` })],
];

function network(): SimNetwork {
  return new SimNetwork({ seed: 11, latencyMs: [5, 40] });
}

describe.each(backends)('%s', (_label, backend) => {
  test('values, tombstones and leases survive a reload; others still cannot take the keys', async () => {
    const net = network();
    const { persist, name } = backend();
    // The same node again: its identity, which the store keeps, is what its leases belong to.
    const open = (): SyncSocket => new SyncSocket({ transport: net.transport(), persist: persist(), name });
    const first = open();
    await first.ready;
    const peer = new SyncSocket({ transport: net.transport() });
    await peer.connect(first.address);
    first.set('mine', 'v1');
    first.set(utf8('bytes'), new Uint8Array([1, 2, 3]));
    first.update({ zero: 0, doomed: 'x' });
    peer.set('theirs', { from: 'peer' });
    await net.run(1_000);
    first.delete('doomed');
    await first.flush();
    const oldId = first.id;
    await first.close();

    const second = open();
    expect(() => second.get('mine')).toThrow(/await sock.ready/); // not served until restored
    expect(() => second.id).toThrow(/await sock.ready/); // the id is read from the store too
    await second.ready;
    expect(second.id).toBe(oldId); // the key pair is kept in the store: the same node again
    expect(Object.fromEntries([...second.entries()].map(([k, v]) => [String(k), v]))).toEqual({
      mine: 'v1',
      bytes: new Uint8Array([1, 2, 3]),
      zero: 0,
      theirs: { from: 'peer' },
    });
    // A node meeting the reloaded one learns the leases from its initial sync: still the old id's.
    const newcomer = new SyncSocket({ transport: net.transport() });
    await newcomer.connect(second.address);
    await net.run(1_000);
    expect(newcomer.get('mine')).toBe('v1');
    expect(() => newcomer.set('mine', 'stolen')).toThrow(expect.objectContaining({ name: 'LeaseError', owner: oldId }));
    expect(() => second.set('theirs', 'not mine')).toThrow(LeaseError);
    // The reloaded node still holds its leases, and renews them.
    second.set('mine', 'v2');
    await net.run(1_000);
    expect(newcomer.get('mine')).toBe('v2');
    expect(() => newcomer.set('mine', 'stolen')).toThrow(expect.objectContaining({ owner: second.id }));
    await second.close();

    // And a second reload still knows both generations' leases are its own.
    const third = open();
    await third.ready;
    third.set('mine', 'v3');
    third.set('zero', 1); // written under the first id, two reloads ago
    expect(third.get('zero')).toBe(1);
    await third.close();
  });

  test('a reload under a new identity renews its leases as the former id, and peers take the renewals', async () => {
    const net = network();
    const { persist, name } = backend();
    const open = (identity?: Identity): SyncSocket => new SyncSocket({ transport: net.transport(), persist: persist(), name, identity });
    const first = open();
    await first.ready;
    const peer = new SyncSocket({ transport: net.transport() });
    await peer.connect(first.address);
    first.set('mine', 'v1');
    await net.run(1_000);
    expect(peer.get('mine')).toBe('v1');
    await first.flush();
    const oldId = first.id;
    await first.close();

    const second = open(createIdentity(systemRandom)); // the app hands it a new identity: the store's is not used
    await second.ready;
    expect(second.id).not.toBe(oldId);
    await second.connect(peer.address);
    second.set('mine', 'v2'); // signed with the former identity's key, which the store kept
    await net.run(2_000);
    expect(peer.get('mine')).toBe('v2');
    expect(() => peer.set('mine', 'stolen')).toThrow(expect.objectContaining({ name: 'LeaseError', owner: oldId }));
    await second.close();
    await peer.close();
  });

  test('flush() acknowledges writes that then survive a crash (no close)', async () => {
    const net = network();
    const { persist, name } = backend();
    const sock = new SyncSocket({ transport: net.transport(), persist: persist(), name });
    await sock.ready;
    for (let i = 0; i < 50; i++) sock.set(`k${i}`, i);
    sock.applyDelta('map', { a: 1 });
    sock.applyDelta('map', { b: 2 });
    await sock.flush();
    // Crashed: never closed. A new socket on the same data sees every flushed write.
    const after = new SyncSocket({ transport: net.transport(), persist: persist(), name });
    await after.ready;
    expect(after.size).toBe(51);
    expect(after.get('k49')).toBe(49);
    expect(after.get('map')).toEqual({ a: 1, b: 2 });
  });
});

test('persist: true uses IndexedDB named after the protocol id and the name', async () => {
  const net = network();
  const sock = new SyncSocket({ transport: net.transport(), persist: true, name: 'named' });
  await sock.ready;
  sock.set('k', 'v');
  await sock.flush();
  const raw = new IdbStore(`sync:${sock.protocol.id}:named`);
  const entries = new Map(await raw.entries());
  expect(entries.get(`k:${Buffer.from('k').toString('hex')}`)).toEqual({
    value: 'v',
    owner: sock.id,
    ts: sock.nowSeconds(),
    publicKey: sock.identity.publicKey,
    signature: expect.any(Uint8Array),
  });
  expect(entries.get('ids')).toEqual([sock.id]);
  await raw.close();
  await sock.close();
});

test('a full store: an error event and a rejected flush, the data intact in memory, then recovery', async () => {
  const net = network();
  const store = new MemoryStore({ quotaBytes: 1_000 }); // room for two signed records, not for 'big'
  const sock = new SyncSocket({ transport: net.transport(), persist: store });
  await sock.ready;
  const errors: Error[] = [];
  sock.on('error', (error) => errors.push(error));
  sock.set('small', 1);
  await sock.flush();
  sock.set('big', 'x'.repeat(2_000));
  await expect(sock.flush()).rejects.toBeInstanceOf(StoreError);
  expect(errors.length).toBeGreaterThan(0);
  expect(errors[0]).toBeInstanceOf(StoreError);
  expect(errors[0]!.message).toMatch(/quota/);
  expect(sock.get('big')).toHaveLength(2_000); // memory is right
  expect(sock.get('small')).toBe(1);
  await expect(sock.flush()).rejects.toBeInstanceOf(StoreError); // still not durable: still says so
  sock.delete('big'); // the tombstone replaces the value that did not fit
  await expect(sock.flush()).resolves.toBeUndefined();
  const reloaded = new SyncSocket({ transport: net.transport(), persist: store });
  await reloaded.ready;
  expect([...reloaded.keys()]).toEqual(['small']);
});

/** The store, except that reading it all waits for `gate` (or fails with `error`). */
function slowToRead(store: Store, gate: Promise<void>): Store {
  return Object.assign(Object.create(store) as Store, {
    entries: async () => {
      await gate;
      return store.entries();
    },
  });
}

test('a store that cannot be read: an error event, ready rejects, the socket works in memory', async () => {
  const net = network();
  const errors: Error[] = [];
  const broken = slowToRead(new MemoryStore(), Promise.reject(new StoreError('IndexedDB is unavailable')));
  const sock = new SyncSocket({ transport: net.transport(), persist: broken });
  sock.on('error', (error) => errors.push(error));
  await expect(sock.ready).rejects.toThrow('IndexedDB is unavailable');
  expect(errors.map((e) => e.message)).toEqual(['IndexedDB is unavailable']);
  sock.set('k', 'v');
  expect(sock.get('k')).toBe('v');
  await expect(sock.flush()).resolves.toBeUndefined();
});

test('what arrives before the restore is merged with it; neighbours get their sync once restored', async () => {
  const net = network();
  const store = new MemoryStore();
  const writer = new SyncSocket({ transport: net.transport(), persist: store, leasing: false });
  await writer.ready;
  writer.update({ k: 'old', restored: 'only in the store' });
  await writer.flush();
  await writer.close();
  await net.run(2_000);
  const peer = new SyncSocket({ transport: net.transport(), leasing: false });
  peer.set('k', 'newer');
  let release!: () => void;
  // With its identity from the app the node need not wait for the store to know its id, so it can
  // connect (and hear the peer) while the store is still being read.
  const reloaded = new SyncSocket({
    transport: net.transport(),
    leasing: false,
    identity: createIdentity(systemRandom),
    persist: slowToRead(store, new Promise<void>((resolve) => (release = resolve))),
  });
  await reloaded.connect(peer.address);
  await net.run(1_000);
  expect(() => reloaded.get('k')).toThrow(/still restoring/);
  expect(peer.has('restored')).toBe(false); // our initial sync waits for the restore
  release();
  await reloaded.ready;
  expect(reloaded.get('k')).toBe('newer'); // the peer's later write beat the stored one
  await net.run(1_000);
  expect(peer.get('restored')).toBe('only in the store');
  expect(peer.get('k')).toBe('newer');
});

test("'update' for restored records fires once the dict is readable, so a listener can read it", async () => {
  const net = network();
  const store = new MemoryStore();
  const writer = new SyncSocket({ transport: net.transport(), persist: store });
  await writer.ready;
  writer.update({ a: 1, b: 2 });
  await writer.flush();
  await writer.close();
  const reloaded = new SyncSocket({ transport: net.transport(), persist: store });
  const seen: Array<[unknown, unknown, number]> = [];
  reloaded.on('update', (key) => seen.push([key, reloaded.get(key), reloaded.size]));
  await reloaded.ready;
  // Every restored record is in place before the first event: each listener sees the whole dict.
  expect(seen.sort()).toEqual([
    ['a', 1, 2],
    ['b', 2, 2],
  ]);
});
