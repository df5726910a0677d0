/** Sending from the 'connect' and 'peer' events (issue 13, item 3), on the simulator. */
import { expect, test } from 'vitest';
import { sendOnAnnounce } from '../contract/send-on-announce.js';
import { makeNet, meshNodes } from './helpers.js';

test.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: what two nodes send on meeting arrives, also when both dial at once', async (seed) => {
  const net = makeNet({ seed, latencyMs: [20, 20] });
  const [a, b] = meshNodes(net, 2);
  const announcements = sendOnAnnounce([a!, b!]);
  // Both dial at once: two connections meet, and one of them is let go (§4.8).
  await Promise.all([a!.connect(b!.address), b!.connect(a!.address)]);
  await net.runUntil(() => announcements.missing().length === 0, 5_000);
  expect(announcements.missing()).toEqual([]);
  expect(announcements.errors).toEqual([]);
  expect(a!.routingTable.size).toBe(1);
});

test('a node joining a mesh of five: every neighbour hears what was sent on meeting it', async () => {
  const net = makeNet({ seed: 5 });
  const nodes = meshNodes(net, 6, { maxOutgoing: 3 });
  const announcements = sendOnAnnounce(nodes);
  for (const node of nodes.slice(1)) await node.connect(nodes[0]!.address);
  await net.run(5_000);
  expect(announcements.missing()).toEqual([]);
  expect(announcements.errors).toEqual([]);
});
