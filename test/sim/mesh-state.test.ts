/** `sock.state` and its 'state' event on a transport without rendezvous (issue 18), on the simulator. */
import { expect, test } from 'vitest';
import type { SocketState } from '../../packages/web2p/src/index.js';
import { makeNet, meshNodes, until } from './helpers.js';

test('connecting → joined-alone on listening → connected with a peer → joined-alone when it leaves → closed', async () => {
  const net = makeNet({ seed: 3 });
  const [a, b] = meshNodes(net, 2);
  const seen: Array<[SocketState, SocketState]> = [];
  a!.on('state', (state, previous) => seen.push([state, previous]));
  expect(a!.state).toBe('connecting');
  await a!.listening;
  await until(net, () => a!.state === 'joined-alone', 'a to listen');
  await b!.connect(a!.address);
  await until(net, () => a!.state === 'connected', 'a to see b');
  // The state already reads 'connected' inside the peer events.
  let inDisconnect: SocketState | undefined;
  a!.on('disconnect', () => (inDisconnect = a!.state));
  await b!.close();
  await until(net, () => a!.state === 'joined-alone', 'a to be alone again');
  expect(inDisconnect).toBe('joined-alone');
  const closing = a!.close();
  expect(a!.state).toBe('closed');
  await closing;
  expect(seen).toEqual([
    ['joined-alone', 'connecting'],
    ['connected', 'joined-alone'],
    ['joined-alone', 'connected'],
    ['closed', 'joined-alone'],
  ]);
});

test("stats(): each peer's transport and route, bytes sent and received as the other end counts them, and the totals", async () => {
  const net = makeNet({ seed: 4 });
  const [a, b, c] = meshNodes(net, 3);
  await b!.connect(a!.address);
  await c!.connect(a!.address);
  a!.send('x'.repeat(10_000));
  await net.runUntil(() => a!.routingTable.get(b!.id)!.link.bufferedAmount > 0, 1_000);
  // In flight: the link's queue is what stats() reports as queued. The broadcast's frame is one
  // buffer in both queues: the node-wide total holds it once.
  const inFlight = (await a!.stats()).totals;
  expect(inFlight.queuedBytes).toBeGreaterThan(20_000);
  expect(inFlight.sendQueueTotalBytes).toBeGreaterThan(10_000);
  expect(inFlight.sendQueueTotalBytes).toBeLessThan(15_000);
  await net.run(2_000);
  const [sa, sb, sc] = await Promise.all([a!.stats(), b!.stats(), c!.stats()]);
  expect(sa.state).toBe('connected');
  expect(sa.signaling).toEqual([]);
  expect(sa.peers.map((peer) => peer.id).sort()).toEqual([b!.id, c!.id].sort());
  const toB = sa.peers.find((peer) => peer.id === b!.id)!;
  const fromA = sb.peers.find((peer) => peer.id === a!.id)!;
  expect(toB).toMatchObject({ transport: 'sim', route: 'sim', outgoing: false, rttMs: undefined, queuedBytes: 0 });
  expect(fromA.outgoing).toBe(true);
  // Every frame counted once on each end: handshakes, peer lists and the 10 kB broadcast.
  expect(toB.bytesSent).toBeGreaterThan(10_000);
  expect(fromA.bytesReceived).toBe(toB.bytesSent);
  expect(toB.bytesReceived).toBe(fromA.bytesSent);
  expect(sc.peers[0]!.bytesReceived).toBe(sa.peers.find((peer) => peer.id === c!.id)!.bytesSent);
  expect(sa.totals).toEqual({
    peers: 2,
    bytesSent: sa.peers[0]!.bytesSent + sa.peers[1]!.bytesSent,
    bytesReceived: sa.peers[0]!.bytesReceived + sa.peers[1]!.bytesReceived,
    queuedBytes: 0,
    sendQueueTotalBytes: 0,
  });
});
