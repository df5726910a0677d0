/** ChordSocket on a few simulated nodes: the js2p chord scenario (PROTOCOL.md §10.2) and the API. */
import { describe, expect, test } from 'vitest';
import { ChordSocket, KeyError, ProtocolMismatchError } from '../../packages/web2p/src/index.js';
import { chordNodes, ringIsCorrect } from './chord-helpers.js';
import { makeNet, until } from './helpers.js';

describe('two storing nodes (js2p test_chord.js)', () => {
  test('store, get on both, update, more gets', async () => {
    const net = makeNet({ seed: 3 });
    const [a, b] = chordNodes(net, 2) as [ChordSocket, ChordSocket];
    await b.connect(a.address);
    await a.join();
    await b.join();
    await until(net, () => ringIsCorrect([a, b]), 'a two-node ring');
    await a.set('test', 'value');
    expect(await a.get('test')).toBe('value');
    expect(await b.get('test')).toBe('value');
    await b.update({ 测试: '成功', store: 'store', array: [1, 2, 3, 4, 5, 6, 7, 8, 9], number: 256 });
    for (const node of [a, b]) {
      expect(await node.get('测试')).toBe('成功');
      expect(await node.get(new TextEncoder().encode('store'))).toBe('store');
      expect(await node.get('array')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await node.get('number')).toBe(256);
    }
    await a.close();
    await b.close();
  });

  test('applyDelta merges into a mapping and refuses a non-mapping', async () => {
    const net = makeNet({ seed: 4 });
    const [a, b] = chordNodes(net, 2) as [ChordSocket, ChordSocket];
    await b.connect(a.address);
    await a.join();
    await b.join();
    await a.set('test', { '1': 2 });
    expect(await a.get('test')).toEqual({ '1': 2 });
    expect(await b.get('test')).toEqual({ '1': 2 });
    expect(await b.applyDelta('test', { '3': 4, '5': 6 })).toEqual({ '1': 2, '3': 4, '5': 6 });
    expect(await a.get('test')).toEqual({ '1': 2, '3': 4, '5': 6 });
    expect(await b.get('test')).toEqual({ '1': 2, '3': 4, '5': 6 });
    expect(await a.applyDelta('fresh', { x: 1 })).toEqual({ x: 1 });
    await a.set('scalar', 7);
    await expect(b.applyDelta('scalar', { x: 1 })).rejects.toThrow(TypeError);
    expect(await a.get('scalar')).toBe(7);
    await a.close();
    await b.close();
  });

  test('get of a missing key rejects with KeyError, or gives the fallback; delete says whether it was there', async () => {
    const net = makeNet({ seed: 5 });
    const [a, b] = chordNodes(net, 2) as [ChordSocket, ChordSocket];
    await b.connect(a.address);
    await a.join();
    await b.join();
    await until(net, () => ringIsCorrect([a, b]), 'a two-node ring');
    await expect(a.get('nothing here')).rejects.toThrow(KeyError);
    expect(await b.get('nothing here', 'fallback')).toBe('fallback');
    await a.set('gone soon', null);
    expect(await b.get('gone soon')).toBe(null);
    expect(await b.delete('gone soon')).toBe(true);
    expect(await b.delete('gone soon')).toBe(false);
    await expect(a.get('gone soon')).rejects.toThrow(KeyError);
    await a.close();
    await b.close();
  });
});

test('peers with a different k are rejected both ways, like a protocol mismatch', async () => {
  const net = makeNet({ seed: 6 });
  const a = new ChordSocket({ k: 6, transport: net.transport() });
  const b = new ChordSocket({ k: 7, transport: net.transport() });
  const errors = new Map<ChordSocket, Error[]>([[a, []], [b, []]]);
  for (const [node, list] of errors) node.on('error', (e) => list.push(e));
  await expect(b.connect(a.address)).rejects.toThrow(ProtocolMismatchError);
  await net.run(2_000);
  // Each end saw the other's handshake, refused it, and said so.
  for (const [node, list] of errors) {
    expect(list).toHaveLength(1);
    expect(list[0]).toBeInstanceOf(ProtocolMismatchError);
    expect((list[0] as ProtocolMismatchError).localId).toBe(node === a ? `${ChordSocket.defaultProtocol.id}7` : `${ChordSocket.defaultProtocol.id}8`);
    expect(node.routingTable.size).toBe(0);
    expect(node.awaitingIds).toHaveLength(0);
  }
  // The other way round, the same: the dialler's connect() rejects with the mismatch.
  await expect(a.connect(b.address)).rejects.toThrow(ProtocolMismatchError);
  await net.run(2_000);
  expect(errors.get(b)!.filter((e) => e instanceof ProtocolMismatchError)).toHaveLength(2);
  expect(errors.get(a)!.filter((e) => e instanceof ProtocolMismatchError)).toHaveLength(2);
  for (const node of [a, b]) expect(node.routingTable.size + node.awaitingIds.length).toBe(0);
  // Same k: accepted.
  const c = new ChordSocket({ k: 6, transport: net.transport() });
  await expect(a.connect(c.address)).resolves.toBeUndefined();
  for (const node of [a, b, c]) await node.close();
});
