/**
 * Chord over the mesh route (issue 14): two ring nodes that cannot link directly (two pages behind
 * symmetric NATs without TURN) plus one both can reach. In a ring of three every pair is adjacent,
 * so the blocked pair are each other's successor or predecessor: joins, stabilization, replication
 * and lookups between them must go through the third node.
 */
import { describe, expect, test } from 'vitest';
import type { ChordSocket } from '../../packages/web2p/src/index.js';
import { chordNodes, ringIsCorrect, settle } from './chord-helpers.js';
import { makeNet, until } from './helpers.js';

describe('chord when a direct link cannot be made', () => {
  test('a node that reaches the ring only through another is a full member: it joins, stores and reads', async () => {
    const net = makeNet({ seed: 21 });
    const [hub, a, b] = chordNodes(net, 3, { replicas: 1 }) as [ChordSocket, ChordSocket, ChordSocket];
    net.block(a, b);
    await a.connect(hub.address);
    await b.connect(hub.address);
    await hub.join();
    await a.join();
    await b.join();
    await settle(net, [hub, a, b]);
    expect(a.routingTable.has(b.id)).toBe(false);
    expect(ringIsCorrect([hub, a, b])).toBe(true);
    // every node writes a few keys and every node reads them all, whichever node holds them
    const keys = Array.from({ length: 12 }, (_, k) => `key ${k}`);
    const writers = [hub, a, b];
    for (const [k, key] of keys.entries()) await writers[k % 3]!.set(key, `value ${k}`);
    for (const reader of [a, b, hub]) {
      for (const [k, key] of keys.entries()) expect(await reader.get(key)).toBe(`value ${k}`);
    }
    // the blocked pair really talk: one holds keys the other wrote
    const holders = new Set(await Promise.all(keys.map(async (key) => (await a.getWithInfo(key)).node)));
    expect(holders.has(b.id) || holders.has(a.id)).toBe(true);
  });

  test("the blocked pair talk over the route while their dial is failing, not once it has failed", async () => {
    // A failed WebRTC dial takes up to its connect timeout (no answer to the ICE checks), here 30 s;
    // chord gives it ROUTE_WHILE_DIALLING_MS before it takes the mesh route.
    const dialFailsAfterMs = 30_000;
    const net = makeNet({ seed: 23, failureDetectionMs: dialFailsAfterMs });
    const [hub, a, b] = chordNodes(net, 3, { replicas: 1 }) as [ChordSocket, ChordSocket, ChordSocket];
    net.block(a, b);
    await a.connect(hub.address);
    await b.connect(hub.address);
    await hub.join();
    const started = net.clock.now();
    await a.join();
    await b.join();
    await settle(net, [hub, a, b]);
    await a.set('across', 'at once');
    expect(await b.get('across')).toBe('at once');
    expect(net.clock.now() - started).toBeLessThan(dialFailsAfterMs / 2);
  });

  test('a node reached over the route that crashes is dropped from the ring, which closes behind it', async () => {
    const net = makeNet({ seed: 22 });
    const [hub, a, b, c] = chordNodes(net, 4, { replicas: 1 }) as [ChordSocket, ChordSocket, ChordSocket, ChordSocket];
    net.block(a, b);
    for (const node of [a, b, c]) await node.connect(hub.address);
    for (const node of [hub, a, b, c]) await node.join();
    await settle(net, [hub, a, b, c]);
    await a.set('kept', 'yes');
    net.kill(b);
    await until(net, () => ringIsCorrect([hub, a, c]), 'the ring without b', 120_000);
    expect(await c.get('kept')).toBe('yes');
  });
});
