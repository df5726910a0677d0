/**
 * The py2p/js2p sync tests (PROTOCOL.md §10.1 test_sync.py, §10.2 test_sync.js, §10.3 item 6) on a
 * simulated network, with leasing on and off, plus the upstream bugs of §11 that must not return.
 */
import { describe, expect, test } from 'vitest';
import {
  KeyError,
  LeaseError,
  Protocol,
  ProtocolMismatchError,
  SyncSocket,
  flags,
  utf8,
  type Packet,
} from '../../packages/web2p/src/index.js';
import { chain, makeNet, until } from './helpers.js';
import { RawPeer } from './raw-peer.js';
import { snapshot, syncNodes } from './sync-helpers.js';

const ARRAY = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('protocol ids (§6.1)', () => {
  test('the default is sync1 (golden) with leasing and sync0 without', () => {
    const net = makeNet();
    expect(SyncSocket.defaultProtocol.subnet).toBe('sync');
    expect(new SyncSocket({ transport: net.transport() }).protocol.id).toBe('p7sAnBsK3n5enFXH7vEGQjzS6t6RH1CeEoYekNjr5Jn');
    expect(new SyncSocket({ transport: net.transport(), leasing: false }).protocol.id).toBe(new Protocol('sync0').id);
    expect(new SyncSocket({ transport: net.transport(), protocol: new Protocol('') }).protocol.subnet).toBe('1');
  });

  test('leasing and non-leasing sockets cannot connect', async () => {
    const net = makeNet();
    const on = new SyncSocket({ transport: net.transport() });
    const off = new SyncSocket({ transport: net.transport(), leasing: false });
    await expect(off.connect(on.address)).rejects.toBeInstanceOf(ProtocolMismatchError);
  });
});

describe.each([
  ['leasing on', true],
  ['leasing off', false],
])('test_storage (%s)', (_label, leasing) => {
  test('3-node chain: initial sync, strings, unicode keys, arrays, ints; KeyErrors', async () => {
    const net = makeNet();
    const nodes = syncNodes(net, 3, { leasing, protocol: new Protocol('') });
    nodes[0]!.set('store', utf8('store')); // before anyone joins: only the initial sync can carry it
    await chain(nodes);
    nodes[0]!.set('test', utf8('hello'));
    nodes[1]!.set('测试', '成功');
    nodes[0]!.update({ array: ARRAY, number: 256 });
    await net.run(3_000);
    for (const node of nodes) {
      expect(node.getItem('store')).toEqual(utf8('store'));
      expect(node.getItem(utf8('test'))).toEqual(utf8('hello'));
      expect(node.getItem('测试')).toBe('成功');
      expect(node.getItem(utf8('测试'))).toBe('成功');
      expect(node.get('array')).toEqual(ARRAY);
      expect(node.get('number')).toBe(256);
      expect(node.size).toBe(5);
      expect(() => node.getItem('test2')).toThrow(KeyError);
      expect(node.get('test2', 'fallback')).toBe('fallback');
    }
    for (const node of nodes.slice(1)) {
      if (leasing) {
        const attempt = (): unknown => node.set('test', 'mine now');
        expect(attempt).toThrow(LeaseError);
        expect(attempt).toThrow(KeyError); // py2p raises KeyError
        expect(attempt).toThrow(expect.objectContaining({ name: 'LeaseError', owner: nodes[0]!.id }));
        expect(node.get('test')).toEqual(utf8('hello')); // nothing changed locally either
      } else {
        expect(() => node.set('test', 'mine now')).not.toThrow();
      }
    }
    await net.run(3_000);
    expect(new Set(nodes.map(snapshot)).size).toBe(1);
    expect(nodes[2]!.get('test')).toEqual(leasing ? utf8('hello') : 'mine now');
  });

  test('js2p: two nodes, set on one and update on the other', async () => {
    const net = makeNet();
    const [a, b] = syncNodes(net, 2, { leasing });
    await b!.connect(a!.address);
    a!.set('test', 'value');
    b!.update(new Map<string | Uint8Array, Packet>([['测试', '成功'], [utf8('store'), 'store'], ['array', ARRAY], ['number', 256]]));
    await net.run(500);
    for (const node of [a!, b!]) {
      expect(Object.fromEntries([...node.entries()].map(([k, v]) => [String(k), v]))).toEqual({
        test: 'value',
        测试: '成功',
        store: 'store',
        array: ARRAY,
        number: 256,
      });
    }
  });
});

describe.each([
  ['leasing off', false],
  ['leasing on', true],
])('test_delta (%s)', (_label, leasing) => {
  const topologies = {
    chain: async (nodes: SyncSocket[]) => chain(nodes),
    hub: async (nodes: SyncSocket[]) => {
      await nodes[0]!.connect(nodes[1]!.address);
      await nodes[0]!.connect(nodes[2]!.address);
    },
  };

  test.each(Object.keys(topologies) as Array<keyof typeof topologies>)('deltas from three nodes merge across a %s', async (shape) => {
    const net = makeNet();
    // No auto-connecting, so that the chain and the hub stay as built and deltas must be relayed.
    const nodes = syncNodes(net, 3, { leasing, maxOutgoing: 0 });
    await topologies[shape](nodes);
    const deltas: Array<{ [key: string]: Packet }> = [{ seven: 7 }, { array: ARRAY, number: 256 }, { three: { three: 'three' } }];
    const merged = Object.assign({}, ...deltas);
    if (leasing) {
      // With leases only the holder may merge into a key: one node applies all three.
      for (const delta of deltas) nodes[0]!.applyDelta('store', delta);
    } else {
      deltas.forEach((delta, i) => nodes[i]!.applyDelta('store', delta));
    }
    await net.run(3_000);
    for (const node of nodes) expect(node.get('store')).toEqual(merged);
    if (leasing) expect(() => nodes[1]!.applyDelta('store', { x: 1 })).toThrow(LeaseError);
  });

  test('applyDelta refuses a value that is not a mapping, and a mapping that is not one', async () => {
    const net = makeNet();
    const [node] = syncNodes(net, 1, { leasing });
    node!.set('list', [1, 2]);
    expect(() => node!.applyDelta('list', { a: 1 })).toThrow(TypeError);
    expect(() => node!.applyDelta('fresh', [1] as never)).toThrow(TypeError);
    node!.applyDelta('fresh', { a: 1 });
    node!.applyDelta('fresh', { b: 2 });
    expect(node!.get('fresh')).toEqual({ a: 1, b: 2 });
  });
});

describe.each([
  ['leasing on', true],
  ['leasing off', false],
])('delete (%s)', (_label, leasing) => {
  test('propagates, fires events, needs the lease with leasing on, and gives the lease up', async () => {
    const net = makeNet();
    const nodes = syncNodes(net, 3, { leasing, maxOutgoing: 0 });
    await chain(nodes);
    const deleted: string[] = [];
    nodes[2]!.on('delete', (key, meta) => deleted.push(`${String(key)} by ${meta.owner}`));
    nodes[0]!.set('gone', 'soon');
    await net.run(1_000);
    expect(nodes[2]!.get('gone')).toBe('soon');
    if (leasing) {
      expect(() => nodes[1]!.delete('gone')).toThrow(LeaseError);
      expect(nodes[1]!.get('gone')).toBe('soon');
    }
    await net.run(1_000); // a later second, so the delete does not tie with the set
    expect(nodes[0]!.delete('gone')).toBe(true);
    expect(nodes[0]!.has('gone')).toBe(false);
    await net.run(1_000);
    for (const node of nodes) expect(node.has('gone')).toBe(false);
    expect(deleted).toEqual([`gone by ${nodes[0]!.id}`]);
    expect(nodes[1]!.delete('gone')).toBe(false); // nothing there
    nodes[1]!.set('gone', 'back'); // the lease went with the value
    await net.run(1_000);
    for (const node of nodes) expect(node.get('gone')).toBe('back');
  });
});

describe('upstream bugs that must not return (§11)', () => {
  test('falsy values are values, everywhere (js2p returned the fallback)', async () => {
    const net = makeNet();
    const [a, b] = syncNodes(net, 2);
    await b!.connect(a!.address);
    a!.update({ zero: 0, empty: '', no: false, nothing: [], bytes: new Uint8Array(0) });
    await net.run(1_000);
    for (const node of [a!, b!]) {
      expect(node.get('zero', 'fallback')).toBe(0);
      expect(node.get('empty', 'fallback')).toBe('');
      expect(node.get('no', 'fallback')).toBe(false);
      expect(node.getItem('nothing')).toEqual([]);
      expect(node.getItem('bytes')).toEqual(new Uint8Array(0));
      expect(node.has('zero')).toBe(true);
    }
  });

  test('a remote delete of a key we lack is not an error (py2p dropped the sender), nor are str keys', async () => {
    const net = makeNet();
    const [node] = syncNodes(net, 1, { trust: 'legacy' }); // the raw peer speaks py2p: it cannot sign
    const errors: Error[] = [];
    node!.on('error', (error) => errors.push(error));
    const raw = await RawPeer.connect(net, node!.address);
    raw.handshake(node!.protocol.id);
    await until(net, () => node!.routingTable.size === 1, 'raw peer handshake');
    raw.sendPackets(flags.broadcast, [flags.store, utf8('never set'), null]);
    raw.sendPackets(flags.broadcast, [flags.store, 'str key', 'from a str']); // js2p-style str key
    await net.run(1_000);
    expect(errors).toEqual([]);
    expect(raw.closed).toBe(false);
    expect(node!.routingTable.size).toBe(1);
    expect(node!.has('never set')).toBe(false);
    expect(node!.get(utf8('str key'))).toBe('from a str');
  });

  test('a malformed store drops the peer that sent it, and only that peer', async () => {
    const net = makeNet();
    const [node, other] = syncNodes(net, 2, { trust: 'legacy' });
    await other!.connect(node!.address);
    const raw = await RawPeer.connect(net, node!.address);
    raw.handshake(node!.protocol.id);
    await until(net, () => node!.routingTable.size === 2, 'raw peer handshake');
    raw.sendPackets(flags.whisper, [flags.store, 42, 'a key must be str or bin']);
    await until(net, () => raw.closed, 'the raw peer is dropped');
    expect(node!.routingTable.has(other!.id)).toBe(true);
  });
});

describe('initial sync (§6.4)', () => {
  test('a late joiner gets every key as a five-item whisper, keys as bin, with owner and time', async () => {
    const net = makeNet();
    const [node] = syncNodes(net, 1, { trust: 'legacy' });
    node!.set('a', 1);
    node!.set(new Uint8Array([0xff, 0x00]), 'not utf-8');
    const raw = await RawPeer.connect(net, node!.address);
    raw.handshake(node!.protocol.id);
    await until(net, () => raw.received.filter((m) => m.payload[0] === flags.store).length === 2, 'two syncs');
    const syncs = raw.received.filter((m) => m.payload[0] === flags.store);
    const peersAt = raw.received.findIndex((m) => m.payload[0] === flags.peers);
    expect(peersAt).toBeGreaterThanOrEqual(0);
    expect(peersAt).toBeLessThan(raw.received.indexOf(syncs[0]!)); // after the peers message
    for (const sync of syncs) {
      expect(sync.type).toBe(flags.whisper);
      expect(sync.payload).toHaveLength(5);
      expect(sync.payload[1]).toBeInstanceOf(Uint8Array);
      expect(sync.payload[3]).toBe(node!.id);
      expect(sync.payload[4]).toBe(node!.nowSeconds());
    }
    expect([...node!.keys()]).toEqual(['a', new Uint8Array([0xff, 0x00])]);
    expect(node!.get(new Uint8Array([0xff, 0x00]))).toBe('not utf-8');
  });
});
