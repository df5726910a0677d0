/**
 * Faster start (issue 20): with ICE servers of its own, a WebRTC transport makes its first room
 * offer while the join is in flight, and sends it once the member list names a member. Real
 * node-datachannel sockets and a real signaling server: the early offer must connect a newcomer to
 * the member already there, both proving their ids on the link (bound proofs, PROTOCOL.md §14.14),
 * and a join into an empty room must give its unused offer up without an error.
 */
import { describe, expect, it } from 'vitest';
import { flags } from '../../packages/web2p/src/index.js';
import { waitFor } from '../contract/wait.js';
import { startServer } from './signaling-helpers.js';
import { makePeer } from './webrtc-helpers.js';

const CONNECT_MS = 10_000;

describe('an offer made while the room join is in flight', () => {
  it('connects the newcomer to the member the join introduced; a join into an empty room drops its unused offer quietly', async () => {
    const server = await startServer({ joinProof: 'required' });
    const url = `${server.url}/early`;
    const first = makePeer({}, { iceServers: [] });
    await first.socket.connect(url); // an empty room: its early offer has nobody to go to
    const newcomer = makePeer({}, { iceServers: [] });
    await newcomer.socket.connect(url);
    await waitFor(
      () => first.socket.routingTable.has(newcomer.socket.id) && newcomer.socket.routingTable.has(first.socket.id),
      CONNECT_MS,
      'both in each other’s routing tables (proven: trust is strict)',
    );
    newcomer.socket.send('hello', { flag: flags.whisper, type: flags.whisper });
    await waitFor(() => first.heard.some((h) => h.text === 'hello'), CONNECT_MS, 'the whisper at the first member');
    expect(first.errors).toEqual([]);
    expect(newcomer.errors).toEqual([]);
  });
});
