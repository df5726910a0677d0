/**
 * The per-peer message budget on the one link that cannot pause its reading (issue 16, PROTOCOL.md
 * §14.17): over real WebRTC (node-datachannel), through a real signaling server. There a peer over
 * its rate cannot be pushed back, so its frames are discarded, it is told once, and it
 * is dropped far over the rate. (Over TCP the same flood is paused instead: mesh-limits.test.ts.)
 */
import { expect, it } from 'vitest';
import { PeerLimitError, flags, nodeWebRtcTransport, type Link } from '../../packages/web2p/src/node/index.js';
import { Attacker, ownName } from '../adversarial/attacker.js';
import { waitFor } from '../contract/wait.js';
import { startServer } from './signaling-helpers.js';
import { makePeer, TEST_SIGNALING } from './webrtc-helpers.js';

/** Loopback WebRTC links open within a second or two; this only bounds a failure (the machine is shared). */
const WAIT_MS = 20_000;
const RATE = 50;
const BURST = 100;
/** Far more than the burst plus what refills while they are sent, and what the floor of the debt (minus the burst) lets in. */
const FLOOD = 1_000;

it('over WebRTC, frames over the message rate are discarded, the peer told once, then dropped far over it', async () => {
  const server = await startServer();
  const url = `${server.url}/flood`;
  // The attacker speaks py2p's handshake and proves no id: 'legacy' lets it in, the most open victim.
  const victim = makePeer({ trust: 'legacy', limits: { peerMessagesPerSecond: RATE, peerMessageBurst: BURST } });
  await victim.socket.connect(url);
  const own = ownName(victim.socket.protocol.id);
  const transport = nodeWebRtcTransport({ signaling: TEST_SIGNALING });
  const links: Link[] = [];
  try {
    await transport.listen((link) => links.push(link), { id: own.id, relaySignal: () => false });
    await transport.dial(url);
    await waitFor(() => links.length > 0, WAIT_MS, 'a data channel to the victim');
    const attacker = new Attacker(links[0]!);
    attacker.handshake(own.id, victim.socket.protocol.id, { legacy: true });
    await waitFor(() => victim.socket.routingTable.has(own.id), WAIT_MS, 'the attacker in the routing table');

    for (let i = 0; i < FLOOD; i++) attacker.send(flags.broadcast, [flags.broadcast, 'flood', i]);
    await attacker.whenClosed();
    const limits = victim.errors.filter((error): error is PeerLimitError => error instanceof PeerLimitError);
    expect(limits.map((error) => error.limit)).toEqual(['rate', 'rate']);
    expect(limits[0]!.message).toContain('discarded');
    expect(limits[1]!.message).toContain('far over');
    const read = victim.heard.filter((heard) => /^\d+$/.test(heard.text)).length;
    // The burst, and what refilled while the flood arrived: far from all of it.
    expect(read).toBeGreaterThanOrEqual(BURST);
    expect(read).toBeLessThan(FLOOD / 2);
  } finally {
    await transport.close();
  }
});
