/**
 * A WebRTC link's DTLS fingerprints come from the SDPs the negotiation set, not from reading
 * `pc.localDescription`/`remoteDescription` back when the channel opens: Chromium can open the
 * channel while those still read as null (or without the fingerprint), and a link without
 * fingerprints sent no bound proof and refused the peer's (PROTOCOL.md §14.14). node-datachannel
 * cannot reproduce that timing, so its descriptions read as null here for the whole connection:
 * real negotiation, real DTLS, a real signaling server on 127.0.0.1, and a first message sent from
 * 'connect' that must arrive.
 */
import { RTCPeerConnection as DataChannelPeerConnection } from 'node-datachannel/polyfill';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MeshSocket, WebRtcTransport, type Link, type LocalNode } from '../../packages/web2p/src/node/index.js';
import { forLibDataChannel } from '../../packages/web2p/src/node/turn-credentials.js';
import type { RTCPeerConnectionConstructor } from '../../packages/web2p/src/transport/webrtc/peer-connection.js';
import { startServer, waitFor } from './signaling-helpers.js';
import { TEST_SIGNALING } from './webrtc-helpers.js';

/** Two peers on loopback meet well within a second; this is the deadline, not a wait. */
const ARRIVAL_MS = 10_000;

/** node-datachannel's RTCPeerConnection whose descriptions read as null, as Chromium's may when the channel opens. */
class NoDescriptionsPeerConnection extends DataChannelPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super(forLibDataChannel(configuration) as RTCConfiguration);
    for (const name of ['localDescription', 'remoteDescription']) Object.defineProperty(this, name, { get: () => null });
  }
}

/** A WebRTC transport of such connections that keeps every link it hands the socket, dialled or accepted. */
class KeepingTransport extends WebRtcTransport {
  readonly links: Link[] = [];

  constructor() {
    super({ RTCPeerConnection: NoDescriptionsPeerConnection as unknown as RTCPeerConnectionConstructor, WebSocket, signaling: TEST_SIGNALING, roomOfferLimit: 0 });
  }

  override listen(onLink: (link: Link) => void, local: LocalNode): Promise<void> {
    return super.listen((link) => {
      this.links.push(link);
      onLink(link);
    }, local);
  }

  override async dial(address: string): Promise<Link | null> {
    const link = await super.dial(address);
    if (link) this.links.push(link);
    return link;
  }
}

/** A socket over a KeepingTransport, with the links it was handed and what it heard. */
function node(sockets: MeshSocket[]): { socket: MeshSocket; links: Link[]; heard: string[]; errors: Error[] } {
  const transport = new KeepingTransport();
  const links = transport.links;
  const socket = new MeshSocket({ transport });
  sockets.push(socket);
  const heard: string[] = [];
  const errors: Error[] = [];
  socket.on('message', (msg) => {
    heard.push(String(msg.packets[1]));
    socket.recv();
  });
  socket.on('error', (error) => errors.push(error));
  return { socket, links, heard, errors };
}

describe('WebRTC link fingerprints', () => {
  it('come from the SDPs set, so the bound proofs work and the first message arrives though the descriptions read as null', async () => {
    const server = await startServer();
    const sockets: MeshSocket[] = [];
    try {
      const url = `${server.url}/no-descriptions`;
      const [a, b] = [node(sockets), node(sockets)];
      a.socket.on('connect', () => a.socket.send('first from a'));
      await a.socket.connect(url);
      await b.socket.connect(url);
      await a.socket.connect(`webrtc:${b.socket.id}`);
      await waitFor(() => b.heard.includes('first from a'), ARRIVAL_MS, 'b heard the message a sent on connect');
      const [linkA, linkB] = [a.links.find((l) => l.peerId === b.socket.id), b.links.find((l) => l.peerId === a.socket.id)];
      expect(linkA?.fingerprints?.local).toMatch(/^sha-256 [0-9A-F:]+$/);
      // One connection: each end's certificate is the other's remote one.
      expect(linkA!.fingerprints!.local).toBe(linkB!.fingerprints!.remote);
      expect(linkB!.fingerprints!.local).toBe(linkA!.fingerprints!.remote);
      expect([a.errors, b.errors]).toEqual([[], []]);
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
      await server.close();
    }
  });
});
