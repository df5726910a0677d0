/**
 * MeshSockets over real WebRTC (node-datachannel) and a real signaling server on 127.0.0.1, for the
 * WebRTC transport tests. Every socket made here is closed after its test, and libdatachannel's
 * threads are released after the file, so vitest exits.
 */
import { cleanup as releaseNodeDataChannel } from 'node-datachannel';
import { RTCPeerConnection as DataChannelPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, expect } from 'vitest';
import { MeshSocket, flags, nodeWebRtcTransport, type MeshSocketOptions, type NodeWebRtcTransportOptions, type WebRtcTransport } from '../../packages/web2p/src/node/index.js';
import { forLibDataChannel } from '../../packages/web2p/src/node/turn-credentials.js';
import { waitFor } from '../contract/wait.js';

const sockets: MeshSocket[] = [];

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});
afterAll(() => releaseNodeDataChannel());

/** Fast reconnection, so a test that restarts the server does not wait out the production backoff. */
export const TEST_SIGNALING = { reconnectBaseMs: 100, reconnectMaxMs: 1_000 };

export interface Peer {
  socket: MeshSocket;
  transport: WebRtcTransport;
  errors: Error[];
  /** Every message the socket queued, in arrival order. */
  heard: { sender: string; text: string; flag: number; reply: (text: string) => Promise<void> }[];
  disconnects: string[];
}

export function makePeer(options: MeshSocketOptions = {}, transportOptions: NodeWebRtcTransportOptions = {}): Peer {
  return peerOver(nodeWebRtcTransport({ signaling: TEST_SIGNALING, ...transportOptions }), options);
}

/** A Peer on a transport the test made itself (its own RTCPeerConnection or WebSocket classes). */
export function peerOver(transport: WebRtcTransport, options: MeshSocketOptions = {}): Peer {
  const socket = new MeshSocket({ transport, ...options });
  sockets.push(socket);
  const peer: Peer = { socket, transport, errors: [], heard: [], disconnects: [] };
  socket.on('error', (error) => peer.errors.push(error));
  socket.on('disconnect', (id) => peer.disconnects.push(id));
  socket.on('message', (msg) => {
    const packets = msg.packets;
    peer.heard.push({
      sender: msg.sender,
      text: String(packets[packets.length - 1]),
      flag: msg.wire.type,
      reply: (text) => msg.reply(text),
    });
    socket.recv(); // the recv queue is not under test
  });
  return peer;
}

/** Whether the undirected graph of routing tables connects every peer. */
export function meshConnected(peers: readonly Peer[]): boolean {
  const byId = new Map(peers.map((peer) => [peer.socket.id, peer]));
  const reached = new Set<string>([peers[0]!.socket.id]);
  const frontier = [peers[0]!];
  while (frontier.length > 0) {
    const peer = frontier.pop()!;
    for (const id of peer.socket.routingTable.keys()) {
      const next = byId.get(id);
      if (next && !reached.has(id)) {
        reached.add(id);
        frontier.push(next);
      }
    }
  }
  return reached.size === peers.length;
}

/** Both routing tables hold each other: the handshake finished on both sides. */
export function neighbours(a: Peer, b: Peer): boolean {
  return a.socket.routingTable.has(b.socket.id) && b.socket.routingTable.has(a.socket.id);
}

/** node-datachannel's RTCPeerConnection as web2p/node makes it, for tests that give a WebRtcTransport their own subclass. */
export class NodePeerConnection extends DataChannelPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super(forLibDataChannel(configuration) as RTCConfiguration);
  }
}

/** `a` and `b` become neighbours, a whisper from `b` reaches `a`, and neither saw an error. */
export async function expectWhisperBetween(a: Peer, b: Peer, withinMs: number): Promise<void> {
  await waitFor(() => neighbours(a, b), withinMs, 'both in each other’s routing tables (proven: trust is strict)');
  b.socket.send('hello', { flag: flags.whisper, type: flags.whisper });
  await waitFor(() => a.heard.some((h) => h.text === 'hello'), withinMs, 'the whisper');
  expect(a.errors).toEqual([]);
  expect(b.errors).toEqual([]);
}
