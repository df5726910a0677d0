/** ChordSocket ring behaviour on small simulated networks: joins, leaves, restarts, lookups. */
import { describe, expect, test } from 'vitest';
import { ChordSocket, KeyError, TimeoutError, fromUtf8 } from '../../packages/web2p/src/index.js';
import { LOOKUP_ATTEMPT_MS, LOOKUP_ATTEMPTS } from '../../packages/web2p/src/chord/constants.js';
import { idPosition, inInterval, keyPosition, successorOf } from '../../packages/web2p/src/chord/ring.js';
import { MemoryStore } from '../../packages/web2p/src/store/index.js';
import type { SimNetwork, SimNetworkOptions } from '../../packages/web2p/src/sim/index.js';
import { encodeMeta } from '../../packages/web2p/src/chord/messages.js';
import { toBase58 } from '../../packages/web2p/src/wire/base58.js';
import { flags } from '../../packages/web2p/src/wire/flags.js';
import { buildRing, chordNodes, settle } from './chord-helpers.js';
import { RawPeer } from './raw-peer.js';
import { makeNet, until } from './helpers.js';

const keys = Array.from({ length: 60 }, (_, i) => `key ${i}`);

/** The node that should hold `key` given the joined nodes' positions (classic Chord successor). */
function responsible(nodes: readonly ChordSocket[], key: string, k: number): ChordSocket {
  const members = nodes.filter((n) => n.joined);
  const positions = members.map((n) => n.ringState().position!).sort((a, b) => a - b);
  const at = successorOf(keyPosition(new TextEncoder().encode(key), k), positions, k);
  return members.find((n) => n.ringState().position === at)!;
}

/** A ring (k = 8) of `count` storing nodes that has settled, on a network seeded with `seed`. */
async function settledRing(
  seed: number,
  count: number,
  options: { replicas?: number } = {},
  netOptions: Omit<SimNetworkOptions, 'seed'> = {},
): Promise<{ net: SimNetwork; nodes: ChordSocket[] }> {
  const net = makeNet({ seed, ...netOptions });
  const nodes = chordNodes(net, count, { k: 8, ...options });
  await buildRing(nodes, seed);
  await settle(net, nodes);
  return { net, nodes };
}

async function expectAllReadable(readers: readonly ChordSocket[]): Promise<void> {
  for (const [i, key] of keys.entries()) expect(await readers[i % readers.length]!.get(key)).toBe(`value ${i}`);
}

describe('joining', () => {
  test('keys move to a new node: it then answers for its range and lists those keys', async () => {
    const net = makeNet({ seed: 21 });
    const nodes = chordNodes(net, 4, { k: 8 });
    await buildRing(nodes.slice(0, 3), 21);
    await Promise.all(keys.map((key, i) => nodes[i % 3]!.set(key, `value ${i}`)));
    const newcomer = nodes[3]!;
    await newcomer.connect(nodes[0]!.address);
    await newcomer.join();
    const mine = keys.filter((key) => responsible(nodes, key, 8) === newcomer);
    expect(mine.length).toBeGreaterThan(0);
    // Right after join() resolves, before any stabilization round: the handoff already arrived.
    expect(newcomer.keys().map(fromUtf8).sort()).toEqual([...mine].sort());
    await settle(net, nodes);
    for (const node of nodes) {
      expect(node.keys().map(fromUtf8).sort()).toEqual(keys.filter((key) => responsible(nodes, key, 8) === node).sort());
    }
    for (const key of mine) expect((await nodes[1]!.getWithInfo(key)).node).toBe(newcomer.id);
    await expectAllReadable(nodes);
    for (const node of nodes) await node.close();
  });

  test('colliding positions resolve to free ones, and a full ring refuses with a clear error', async () => {
    const net = makeNet({ seed: 22 });
    const nodes = chordNodes(net, 5, { k: 2 });
    await buildRing(nodes.slice(0, 4), 22, 1);
    await settle(net, nodes.slice(0, 4));
    expect(new Set(nodes.slice(0, 4).map((n) => n.ringState().position))).toEqual(new Set([0, 1, 2, 3]));
    await nodes[4]!.connect(nodes[0]!.address);
    await expect(nodes[4]!.join()).rejects.toThrow(/ring is full/);
    expect(nodes[4]!.joined).toBe(false);
    await nodes[4]!.set('still usable', 1);
    expect(await nodes[4]!.get('still usable')).toBe(1);
    for (const node of nodes) await node.close();
  });
});

describe('leaving', () => {
  // replicas: 0 keeps a single copy, so only the handoff can save the keys.
  test('leave() hands every key to the successor; the node can still read and write', async () => {
    const { net, nodes } = await settledRing(23, 4, { replicas: 0 });
    await Promise.all(keys.map((key, i) => nodes[i % 4]!.set(key, `value ${i}`)));
    const leaver = nodes[1]!;
    expect(leaver.keys().length).toBeGreaterThan(0);
    await leaver.leave();
    expect(leaver.joined).toBe(false);
    expect(leaver.keys()).toEqual([]);
    await settle(net, nodes);
    await expectAllReadable(nodes);
    await leaver.set('after leaving', 'ok');
    expect(await nodes[0]!.get('after leaving')).toBe('ok');
    for (const node of nodes) await node.close();
  });

  test('close() hands the keys over too', async () => {
    const { nodes } = await settledRing(24, 3, { replicas: 0 });
    await Promise.all(keys.map((key, i) => nodes[i % 3]!.set(key, `value ${i}`)));
    await nodes[2]!.close();
    await expectAllReadable(nodes.slice(0, 2));
    for (const node of nodes.slice(0, 2)) await node.close();
  });
});

describe('replication', () => {
  test('by default a value outlives its node and the next two crashing at once: 3 successors hold copies', async () => {
    const { net, nodes } = await settledRing(29, 8);
    await nodes[0]!.set('precious', 'kept'); // answered once the successors hold their copies
    const holder = responsible(nodes, 'precious', 8);
    const [first, second] = holder.ringState().successors;
    const crashed = new Set([holder.id, first!.id, second!.id]);
    for (const node of nodes) if (crashed.has(node.id)) net.kill(node);
    const live = nodes.filter((node) => !crashed.has(node.id));
    await settle(net, live);
    for (const node of live) expect(await node.get('precious')).toBe('kept');
    for (const node of live) await node.close();
  });

  test('an acknowledged write outlives its node and first successor crashing at once, even when the other copies had to wait for a dial', async () => {
    const { net, nodes } = await settledRing(34, 32);
    // A key whose node has no link yet to its second and third successors: their copies wait for a dial.
    const unconnected = (key: string): boolean => {
      const holder = responsible(nodes, key, 8);
      const [, second, third] = holder.ringState().successors;
      return !holder.routingTable.has(second!.id) && !holder.routingTable.has(third!.id);
    };
    const key = Array.from({ length: 500 }, (_, i) => `far ${i}`).find(unconnected);
    expect(key, 'some key has its far replicas unconnected (seed 34)').toBeDefined();
    const holder = responsible(nodes, key!, 8);
    const first = holder.ringState().successors[0]!;
    await holder.set(key!, 'acknowledged');
    const crashed = new Set([holder.id, first.id]);
    for (const node of nodes) if (crashed.has(node.id)) net.kill(node);
    const live = nodes.filter((node) => !crashed.has(node.id));
    await settle(net, live);
    for (const node of live.slice(0, 5)) expect(await node.get(key!)).toBe('acknowledged');
    for (const node of live) await node.close();
  });

  test('a write made before its node has heard of a newcomer outlives that node and its first successor: the newcomer pulls the range it gains', async () => {
    const { net, nodes } = await settledRing(35, 16);
    await settle(net, nodes, 120_000, 3); // every list right: the newcomer is the one node a list can miss
    const newcomer = chordNodes(net, 1, { k: 8 })[0]!;
    await newcomer.connect(nodes[0]!.address);
    // It will stand right after `first`, the first successor of `holder`. Holder's list learns of it
    // a stabilization round after first's does, so a write to holder in between is copied to first
    // and the nodes after the newcomer, not to it; once holder and first crash, the key is the newcomer's.
    const members = nodes.slice().sort((a, b) => a.ringState().position! - b.ringState().position!);
    const at = idPosition(newcomer.id, 8);
    const after = members.findIndex((node) => node.ringState().position! > at);
    const firstIndex = ((after === -1 ? members.length : after) - 1 + members.length) % members.length;
    const first = members[firstIndex]!;
    const holder = members[(firstIndex - 1 + members.length) % members.length]!;
    const key = Array.from({ length: 2_000 }, (_, i) => `held before ${i}`).find((candidate) => responsible(nodes, candidate, 8) === holder)!;
    await newcomer.join();
    expect(newcomer.ringState().position).toBe(at);
    // Once first has taken it for its successor (it then notifies it), not a moment later.
    await until(net, () => newcomer.ringState().predecessor?.id === first.id, 'the newcomer takes first for its predecessor');
    await holder.set(key, 'acknowledged');
    expect(holder.ringState().successors.map((entry) => entry.id)).not.toContain(newcomer.id);
    expect(newcomer.keys().map(fromUtf8)).not.toContain(key);
    for (const node of [holder, first]) net.kill(node);
    const live = [...nodes, newcomer].filter((node) => node !== holder && node !== first);
    await settle(net, live);
    expect(responsible(live, key, 8)).toBe(newcomer);
    for (const node of live.slice(0, 5)) expect(await node.get(key)).toBe('acknowledged');
    for (const node of live) await node.close();
  });
});

describe('lookups', () => {
  test('a missing key is answered by the responsible node, well before the lookup timeout', async () => {
    const { net, nodes } = await settledRing(25, 8);
    for (const node of nodes) {
      const started = net.clock.now();
      await expect(node.get('never written')).rejects.toThrow(KeyError);
      expect(net.clock.now() - started).toBeLessThan(1_000);
      expect(net.clock.now() - started).toBeLessThan((LOOKUP_ATTEMPT_MS * LOOKUP_ATTEMPTS) / 10);
    }
    for (const node of nodes) await node.close();
  });

  test('a read whose next hop crashes is made again as soon as that link fails, not after LOOKUP_ATTEMPT_MS', async () => {
    // Links to a crashed node fail after 500 ms here, as a WebRTC peer's do once the signaling server says it left.
    const { net, nodes } = await settledRing(34, 8, {}, { failureDetectionMs: 500 });
    await nodes[0]!.set('key', 'value');
    const holder = responsible(nodes, 'key', 8);
    const reader = nodes.find((node) => node.ringState().successors[0]?.id === holder.id)!; // asks the holder directly
    const started = net.clock.now();
    const read = reader.get('key');
    net.kill(holder); // with the request on its way
    expect(await read).toBe('value'); // from a replica
    expect(net.clock.now() - started).toBeLessThan(LOOKUP_ATTEMPT_MS / 2);
    for (const node of nodes) if (node !== holder) await node.close();
  });

  test('a request of ours that a neighbour sends back is settled here at once, not retried', async () => {
    // While views of the ring differ, the node we take for responsible may take us for it. A raw
    // peer plays that node: it claims a position, becomes our successor, and echoes our request.
    const net = makeNet({ seed: 35 });
    const node = new ChordSocket({ k: 8, transport: net.transport(), trust: 'legacy' });
    await node.join(); // alone: the whole ring is ours
    const peer = await RawPeer.connect(net, node.address);
    peer.handshake(node.protocol.id + toBase58(8));
    const own = node.ringState().position!;
    const claimed = idPosition(peer.id, 8); // positions follow from ids (PROTOCOL.md §14.18)
    peer.sendPackets(flags.whisper, encodeMeta({ storing: true, position: claimed, pred: undefined, list: [], ask: false }));
    await net.runUntil(() => node.ringState().successors[0]?.id === peer.id, 1_000);
    // A key in (own, claimed]: sent to the peer.
    const key = Array.from({ length: 10_000 }, (_, i) => `key ${i}`).find((k) => inInterval(keyPosition(new TextEncoder().encode(k), 8), own, claimed, 8))!;
    const started = net.clock.now();
    const lookup = node.getWithInfo(key);
    await net.runUntil(() => peer.received.some((m) => m.payload[0] === flags.retrieve), 1_000);
    const [subFlag, id, hops, , position, ...body] = peer.received.find((m) => m.payload[0] === flags.retrieve)!.payload;
    peer.sendPackets(flags.whisper, [subFlag!, id!, (hops as number) + 1, true, position!, ...body]);
    const info = await lookup;
    expect(info.found).toBe(false); // answered by our own (empty) shard
    expect(net.clock.now() - started).toBeLessThan(LOOKUP_ATTEMPT_MS);
    await node.close();
  });

  test('a node that has not joined stores nothing but reads and writes through storing peers', async () => {
    const net = makeNet({ seed: 26 });
    const nodes = chordNodes(net, 4, { k: 8 });
    await buildRing(nodes.slice(0, 3), 26);
    const leech = nodes[3]!;
    await leech.connect(nodes[1]!.address);
    await leech.set('from the leech', { hello: 'ring' });
    expect(await nodes[0]!.get('from the leech')).toEqual({ hello: 'ring' });
    await nodes[2]!.set('to the leech', 42);
    const info = await leech.getWithInfo('to the leech');
    expect(info).toMatchObject({ found: true, value: 42 });
    expect(info.hops).toBeGreaterThanOrEqual(1);
    expect(await leech.applyDelta('from the leech', { more: 1 })).toEqual({ hello: 'ring', more: 1 });
    expect(leech.joined).toBe(false);
    expect(leech.keys()).toEqual([]);
    expect(leech.ringState().position).toBeUndefined();
    for (const node of nodes) await node.close();
  });

  test('a lookup with no storing node anywhere rejects with TimeoutError', async () => {
    const net = makeNet({ seed: 27 });
    const [a, b] = chordNodes(net, 2);
    await b!.connect(a!.address);
    await expect(a!.get('anything')).rejects.toThrow(TimeoutError);
    await a!.close();
    await b!.close();
  });
});

test('a node restarted with its Store rejoins at its old position with its shard', async () => {
  const net = makeNet({ seed: 28 });
  const store = new MemoryStore();
  const nodes = chordNodes(net, 3, { k: 8, replicas: 0 });
  const persistent = new ChordSocket({ k: 8, replicas: 0, persist: store, transport: net.transport() });
  await persistent.ready; // its id is read from (or made and written to) the store first
  await buildRing([...nodes, persistent], 28);
  await settle(net, [...nodes, persistent]);
  await Promise.all(keys.map((key, i) => nodes[i % 3]!.set(key, `value ${i}`)));
  const position = persistent.ringState().position;
  const itsKeys = persistent.keys().map(fromUtf8);
  expect(itsKeys.length).toBeGreaterThan(0);
  net.kill(persistent); // a crash: no handoff, and with a single copy its keys are gone from the ring
  await settle(net, nodes);
  await expect(nodes[0]!.get(itsKeys[0]!)).rejects.toThrow(KeyError);
  const restarted = new ChordSocket({ k: 8, replicas: 0, persist: store, transport: net.transport() });
  await restarted.ready;
  expect(restarted.id).toBe(persistent.id); // its key pair is in the store too: the same node again
  await restarted.connect(nodes[0]!.address);
  await restarted.join();
  expect(restarted.ringState().position).toBe(position);
  await expectAllReadable(nodes);
  for (const node of [...nodes, restarted]) await node.close();
});
