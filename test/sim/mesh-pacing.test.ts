/**
 * Sender-side pacing (issue 16, PROTOCOL.md §14.19) on links that cannot pause their reading, as a
 * data channel cannot: a receiver discards what arrives over its budget, so only a sender that
 * keeps to that budget loses nothing. A line of three at low limits, virtual time.
 */
import { expect, it } from 'vitest';
import { PeerLimitError, flags, type MeshSocket } from '../../packages/web2p/src/index.js';
import type { NodeLimits } from '../../packages/web2p/src/mesh/node-limits.js';
import { chain, makeNet, meshNodes, until } from './helpers.js';

const COUNT = 2_000;
/** Low enough that the line's traffic takes many seconds at the pace; whispers at the peer rate, broadcasts at the relay rate. */
const LIMITS: Partial<NodeLimits> = {
  peerMessagesPerSecond: 400,
  peerMessageBurst: 800,
  relayMessagesPerSecond: 200,
  relayMessageBurst: 400,
  sendHighWaterBytes: 512 * 1024,
  sendLowWaterBytes: 256 * 1024,
};

it('an honest sender at full speed loses nothing two hops away, and feels the pace as backpressure', async () => {
  const net = makeNet({ latencyMs: [5, 20], pausableLinks: false });
  const [a, b, c] = meshNodes(net, 3, { limits: LIMITS, maxOutgoing: 0 }) as [MeshSocket, MeshSocket, MeshSocket];
  await chain([a, b, c]); // b dials a, c dials b, and nobody dials more: a line
  await until(net, () => a.routingTable.size === 1 && c.routingTable.size === 1 && b.routingTable.size === 2, 'the line formed');
  const errors: Error[] = [];
  for (const node of [a, b, c]) node.on('error', (error) => errors.push(error));
  const atB = { whispers: [] as number[], broadcasts: [] as number[] };
  const atC: number[] = [];
  // packets: [type, kind, i, body]
  b.on('message', (msg) => (msg.packets[1] === 'w' ? atB.whispers : atB.broadcasts).push(Number(msg.packets[2])));
  c.on('message', (msg) => atC.push(Number(msg.packets[2])));

  const body = new Uint8Array(1024);
  let refused = 0;
  const started = net.clock.now();
  const sending = (async () => {
    for (let i = 0; i < COUNT; i++) {
      // a whisper to b (a's one neighbour) and a broadcast, each as fast as backpressure allows
      const whisperOk = a.send('w', i, body, { flag: flags.whisper });
      const broadcastOk = a.send('b', i, body);
      if (!whisperOk || !broadcastOk) {
        refused++;
        await a.whenWritable();
      }
    }
  })();
  await until(net, () => atC.length === COUNT && atB.whispers.length === COUNT, 'everything delivered', 120_000);
  await sending;

  const inOrder = Array.from({ length: COUNT }, (_, i) => i);
  expect(atB.whispers).toEqual(inOrder);
  expect(atB.broadcasts).toEqual(inOrder);
  expect(atC).toEqual(inOrder);
  expect(errors.filter((error) => error instanceof PeerLimitError)).toEqual([]);
  for (const [from, to] of [[b, a], [c, b]] as const) {
    const stats = (await from.stats()).peers.find((peer) => peer.id === to.id)!;
    expect(stats.discardedFrames).toBe(0);
  }
  expect((await b.stats()).peers.every((peer) => peer.skippedRelays === 0)).toBe(true);
  // Paced: 2,000 broadcasts at 0.9 × 200 a second after half the burst, some 10 s of virtual time;
  // and the app was told to wait (send() false) rather than the peer made to discard.
  expect(net.clock.now() - started).toBeGreaterThan(((COUNT - LIMITS.relayMessageBurst! / 2) / (0.9 * LIMITS.relayMessagesPerSecond!)) * 1000 * 0.9);
  expect(refused).toBeGreaterThan(0);
  for (const node of [a, b, c]) node.close();
});
