/** persist: true keeps a chord node's shard and position in IndexedDB (fake-indexeddb under Node). */
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { ChordSocket, IdbStore, fromUtf8 } from '../../packages/web2p/src/index.js';
import { buildRing, chordNodes, settle } from './chord-helpers.js';
import { makeNet } from './helpers.js';

test('a node with persist: true comes back after a crash at its position, with its keys', async () => {
  const net = makeNet({ seed: 31 });
  const others = chordNodes(net, 3, { k: 8, replicas: 0 });
  const persistent = new ChordSocket({ k: 8, replicas: 0, persist: true, transport: net.transport() });
  await persistent.ready; // its id is read from (or made and written to) IndexedDB first
  await buildRing([...others, persistent], 31);
  await settle(net, [...others, persistent]);
  await Promise.all(Array.from({ length: 40 }, (_, i) => others[i % 3]!.set(`key ${i}`, i)));
  const mine = persistent.keys().map(fromUtf8);
  expect(mine.length).toBeGreaterThan(0);
  const position = persistent.ringState().position;
  await persistent.flush(); // what the store holds now is what a crash leaves
  // The namespace is the protocol id with k, as the other nodes' handshakes carry it.
  const stored = await new IdbStore(`chord:${ChordSocket.defaultProtocol.id}9`).entries();
  expect(stored.map(([key]) => key)).toContain('position');
  net.kill(persistent);
  await settle(net, others);
  const restarted = new ChordSocket({ k: 8, replicas: 0, persist: true, transport: net.transport() });
  await restarted.ready;
  expect(restarted.id).toBe(persistent.id); // the same node again
  await restarted.connect(others[0]!.address);
  await restarted.join();
  expect(restarted.ringState().position).toBe(position);
  for (const key of mine) expect(await others[1]!.get(key)).toBe(Number(key.slice(4)));
  for (const node of [...others, restarted]) await node.close();
});
