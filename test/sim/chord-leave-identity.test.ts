/**
 * Leaving the ring forgets the persisted shard and position, never the node's identity, which lives
 * in the same store (identity/stored-identity.ts): a persisted node that leaves and restarts is
 * still the same node.
 */
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { ChordSocket, IdbStore } from '../../packages/web2p/src/index.js';
import { IDENTITY_ENTRY } from '../../packages/web2p/src/identity/stored-identity.js';
import { buildRing, chordNodes, settle } from './chord-helpers.js';
import { makeNet } from './helpers.js';

test('a persisted node that leaves the ring, then restarts, has the same id; its shard and position are gone', async () => {
  const net = makeNet({ seed: 47 });
  const others = chordNodes(net, 3, { k: 8, replicas: 0 });
  const persistent = new ChordSocket({ k: 8, replicas: 0, persist: true, transport: net.transport() });
  await persistent.ready;
  await buildRing([...others, persistent], 47);
  await settle(net, [...others, persistent]);
  await Promise.all(Array.from({ length: 40 }, (_, i) => others[i % 3]!.set(`key ${i}`, i)));
  expect(persistent.keys().length).toBeGreaterThan(0);
  await persistent.leave();
  await persistent.flush();
  await persistent.close();
  // The namespace is the protocol id with k, as the other nodes' handshakes carry it.
  const stored = (await new IdbStore(`chord:${ChordSocket.defaultProtocol.id}9`).entries()).map(([name]) => name);
  expect(stored).toEqual([IDENTITY_ENTRY]);
  const restarted = new ChordSocket({ k: 8, replicas: 0, persist: true, transport: net.transport() });
  await restarted.ready;
  expect(restarted.id).toBe(persistent.id);
  for (const node of [...others, restarted]) await node.close();
});
