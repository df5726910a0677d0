/**
 * Sending from the 'connect' and 'peer' events (issue 13, item 3) over real transports: TCP on
 * 127.0.0.1, and WebRTC through node-datachannel met in a room of the real signaling server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MeshSocket, tcpTransport } from '../../packages/web2p/src/node/index.js';
import { sendOnAnnounce } from '../contract/send-on-announce.js';
import { startServer, waitFor } from './signaling-helpers.js';
import { makePeer } from './webrtc-helpers.js';

/** Two peers on loopback meet well within a second; this is the deadline, not a wait. */
const ARRIVAL_MS = 10_000;

const tcpSockets: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(tcpSockets.splice(0).map((socket) => socket.close()));
});

async function tcpNode(): Promise<MeshSocket> {
  const socket = new MeshSocket({ transport: tcpTransport({ listen: { host: '127.0.0.1', port: 0 } }) });
  tcpSockets.push(socket);
  await socket.listening;
  return socket;
}

describe('TCP', () => {
  it('what two nodes send on meeting arrives, when one dials and when both dial at once', async () => {
    for (const both of [false, true]) {
      const [a, b] = [await tcpNode(), await tcpNode()];
      const announcements = sendOnAnnounce([a, b]);
      // Both dialling at once makes two connections, of which each end lets one go (§4.8).
      await Promise.all(both ? [a.connect(b.address), b.connect(a.address)] : [b.connect(a.address)]);
      await waitFor(() => announcements.missing().length === 0, ARRIVAL_MS, `nothing missing: ${announcements.missing().join(', ')}`);
      expect(announcements.errors).toEqual([]);
      expect(a.routingTable.size).toBe(1);
    }
  });
});

describe('WebRTC (node-datachannel)', () => {
  it('what two peers send on meeting arrives, when one dials and when both dial at once', async () => {
    const server = await startServer();
    try {
      for (const both of [false, true]) {
        const url = `${server.url}/meet-${both}`;
        // No offers on joining: the test decides who dials whom.
        const [a, b] = [makePeer({}, { roomOfferLimit: 0 }).socket, makePeer({}, { roomOfferLimit: 0 }).socket];
        const announcements = sendOnAnnounce([a, b]);
        await a.connect(url);
        await b.connect(url);
        await Promise.all(both ? [a.connect(`webrtc:${b.id}`), b.connect(`webrtc:${a.id}`)] : [b.connect(`webrtc:${a.id}`)]);
        await waitFor(() => announcements.missing().length === 0, ARRIVAL_MS, `nothing missing: ${announcements.missing().join(', ')}`);
        expect(announcements.errors).toEqual([]);
        expect(a.routingTable.size).toBe(1);
      }
    } finally {
      await server.close();
    }
  });
});
