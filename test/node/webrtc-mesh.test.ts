/**
 * MeshSockets over the WebRTC transport in Node: real node-datachannel connections, met through a
 * real signaling server on 127.0.0.1 and, once the server is gone, through mesh-relayed signaling.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProtocolMismatchError, Protocol, flags, type DataChannelLink } from '../../packages/web2p/src/node/index.js';
import { startServer, waitFor } from './signaling-helpers.js';
import { PROBE_SILENCE_MS } from '../../packages/web2p/src/transport/webrtc/constants.js';
import { watchTimers } from './timer-watch.js';
import { makePeer, meshConnected, neighbours, type Peer } from './webrtc-helpers.js';

/** A mesh of a few peers over loopback forms in well under a second; this is the deadline. */
const MESH_MS = 10_000;
/** How soon a departure must show in the other routing tables ("within a few seconds"). */
const DEPARTURE_MS = 5_000;
/** Between retries of a dial that failed at once: a poll interval, like waitFor's, not a wait for the network. */
const RETRY_POLL_MS = 20;

async function room(name: string): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const server = await startServer();
  return { url: `${server.url}/${name}`, port: server.port, stop: () => server.close() };
}

async function joinAll(url: string, peers: Peer[]): Promise<void> {
  for (const peer of peers) await peer.socket.connect(url);
  await waitFor(() => peers.every((peer) => peer.socket.routingTable.size > 0) && meshConnected(peers), MESH_MS, 'one connected mesh');
}

describe('WebRTC mesh (node-datachannel, real signaling server)', () => {
  it('forms one mesh from a room; broadcasts reach everyone once, whispers only neighbours, replies the sender', async () => {
    const { url } = await room('mesh');
    // One room offer and one outgoing slot each: the mesh is connected but not complete, so the
    // waterfall and whisper scope are exercised, not just a full graph.
    const peers = Array.from({ length: 4 }, () => makePeer({ maxOutgoing: 1 }, { roomOfferLimit: 1 }));
    await joinAll(url, peers);

    peers.forEach((peer, i) => peer.socket.send(`broadcast ${i}`));
    const broadcastsTo = (peer: Peer) => peer.heard.filter((heard) => heard.text.startsWith('broadcast '));
    await waitFor(() => peers.every((peer) => broadcastsTo(peer).length >= 3), MESH_MS, 'every broadcast everywhere');
    peers.forEach((peer, i) => {
      const texts = broadcastsTo(peer).map((heard) => heard.text).sort();
      expect(texts).toEqual([0, 1, 2, 3].filter((j) => j !== i).map((j) => `broadcast ${j}`));
    });

    const [sender] = peers;
    // The neighbours when it is sent: the mesh may grow a link afterwards, which owes it nothing.
    const neighbours = new Set(sender!.socket.routingTable.keys());
    sender!.socket.send('whisper', { flag: flags.whisper });
    const isNeighbour = (peer: Peer) => neighbours.has(peer.socket.id);
    const others = peers.slice(1);
    await waitFor(() => others.filter(isNeighbour).every((peer) => peer.heard.some((h) => h.text === 'whisper')), MESH_MS, 'the whisper at every neighbour');
    // Whispers are never relayed: a non-neighbour cannot hear it, now or later.
    for (const peer of others) expect(peer.heard.some((h) => h.text === 'whisper')).toBe(isNeighbour(peer));

    // Replies: every peer answers broadcast 0 from wherever it sits in the mesh.
    for (const peer of others) await broadcastsTo(peer).find((h) => h.text === 'broadcast 0')!.reply(`reply from ${peer.socket.id}`);
    await waitFor(() => others.every((peer) => sender!.heard.some((h) => h.text === `reply from ${peer.socket.id}`)), MESH_MS, 'every reply');
    expect(peers.flatMap((peer) => peer.errors)).toEqual([]);
  });

  it('refuses a peer of another protocol in the same room', async () => {
    const { url } = await room('mixed');
    const a = makePeer();
    const b = makePeer({ protocol: new Protocol('other', 'Plaintext') });
    await a.socket.connect(url);
    await b.socket.connect(url);
    // Both sides read the other's handshake (a closing link still delivers what it had sent), so
    // both learn why they were refused.
    const mismatched = (peer: typeof a) => peer.errors.some((error) => error instanceof ProtocolMismatchError);
    await waitFor(() => mismatched(a) && mismatched(b), MESH_MS, 'a ProtocolMismatchError on each side');
    expect([...a.errors, ...b.errors].every((error) => error instanceof ProtocolMismatchError)).toBe(true);
    expect(a.socket.routingTable.size).toBe(0);
    expect(b.socket.routingTable.size).toBe(0);
  });

  it('connects to a peer learned through peer exchange over mesh-relayed signaling, without the server', async () => {
    // A and C never share a room: A meets B in one, B meets C in another. A takes no outgoing slots
    // and C only the one to B, so neither dials the other by itself.
    const server = await startServer();
    const a = makePeer({ maxOutgoing: 0 });
    const b = makePeer();
    const c = makePeer({ maxOutgoing: 1 });
    await a.socket.connect(`${server.url}/left`);
    await b.socket.connect(`${server.url}/left`);
    await b.socket.connect(`${server.url}/right`);
    await c.socket.connect(`${server.url}/right`);
    await waitFor(() => neighbours(a, b) && neighbours(b, c), MESH_MS, 'A-B and B-C');
    expect(neighbours(a, c)).toBe(false);

    await server.close();
    a.socket.requestPeers();
    // A learns of C from B's answer; until it has, the dial finds no route and fails at once.
    await eventually(() => a.socket.connect(`webrtc:${c.socket.id}`), MESH_MS);
    await waitFor(() => neighbours(a, c), MESH_MS, 'A-C');
    a.socket.send('direct', { flag: flags.whisper });
    await waitFor(() => c.heard.some((h) => h.text === 'direct' && h.sender === a.socket.id), MESH_MS, 'the whisper at C');
  });

  it('drops a departed peer from every routing table, whether it closed or its connection died', async () => {
    const { url } = await room('departures');
    const peers = Array.from({ length: 3 }, () => makePeer());
    await joinAll(url, peers);
    await waitFor(() => peers.every((peer) => peer.socket.routingTable.size === 2), MESH_MS, 'a full mesh of 3');
    const [a, b, c] = peers as [Peer, Peer, Peer];

    await c.socket.close();
    await waitFor(() => !a.socket.routingTable.has(c.socket.id) && !b.socket.routingTable.has(c.socket.id), DEPARTURE_MS, 'C gone');
    expect(a.disconnects).toContain(c.socket.id);
    expect(b.disconnects).toContain(c.socket.id);

    // B's peer connection to A dies under the socket, with no goodbye on the mesh.
    const link = b.socket.routingTable.get(a.socket.id)!.link as DataChannelLink;
    link.peerConnection.close();
    await waitFor(() => !a.socket.routingTable.has(b.socket.id), DEPARTURE_MS, 'A notices B gone');
    await waitFor(() => !b.socket.routingTable.has(a.socket.id), DEPARTURE_MS, 'B notices A gone');
    expect(a.disconnects).toContain(b.socket.id);
  });

  it('drops a peer whose process was killed within seconds: the server says it left, a probe finds it gone', async () => {
    const { url } = await room('crash');
    const a = makePeer();
    await a.socket.connect(url);
    const child = fork(fileURLToPath(new URL('./fixtures/mesh-peer.mjs', import.meta.url)), [url], { stdio: 'inherit' });
    try {
      const id = await new Promise<string>((resolve) => child.once('message', (message) => resolve(String(message))));
      await waitFor(() => a.socket.routingTable.has(id), MESH_MS, 'the other process as a neighbour');
      child.kill('SIGKILL'); // no goodbye; only its WebSocket's close reaches the server
      await waitFor(() => !a.socket.routingTable.has(id), DEPARTURE_MS, 'the killed peer dropped');
      expect(a.disconnects).toContain(id);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps a peer that only lost the signaling server: it answers the probe', async () => {
    const { url } = await room('probe');
    const probeTimers = watchTimers(PROBE_SILENCE_MS);
    const a = makePeer({}, { clock: probeTimers.clock });
    const b = makePeer();
    await a.socket.connect(url);
    await b.socket.connect(url);
    await waitFor(() => neighbours(a, b), MESH_MS, 'A-B');
    b.transport.rooms.get(url)!.close(); // the server tells A that B left
    await waitFor(() => probeTimers.started() > 0, MESH_MS, 'A to probe B');
    await waitFor(() => probeTimers.pending() === 0, MESH_MS, 'the answer to the probe');
    expect(neighbours(a, b)).toBe(true);
    b.socket.send('still here');
    await waitFor(() => a.heard.some((h) => h.text === 'still here'), MESH_MS, 'a broadcast after the probe');
    expect(a.disconnects).toEqual([]);
  });

  it('reconnects to a restarted signaling server and rejoins the room', async () => {
    const first = await startServer();
    const url = `${first.url}/again`;
    const a = makePeer();
    const b = makePeer();
    await a.socket.connect(url);
    await b.socket.connect(url);
    await waitFor(() => neighbours(a, b), MESH_MS, 'A-B');
    const roomOf = (peer: Peer) => peer.transport.rooms.get(url)!;

    const drops: number[] = [];
    roomOf(a).on('disconnected', (delayMs) => drops.push(delayMs));
    await first.close();
    await waitFor(() => roomOf(a).state !== 'joined' && roomOf(b).state !== 'joined', MESH_MS, 'both dropped');
    // Refused attempts on the dead port back off: each wait is drawn below a doubling ceiling.
    await waitFor(() => drops.length >= 3, MESH_MS, 'three reconnection attempts');

    const second = await startServer({ port: first.port });
    await waitFor(() => roomOf(a).state === 'joined' && roomOf(b).state === 'joined', MESH_MS, 'both rejoined');
    expect(second.stats().clients).toBe(2);
    expect(roomOf(a).members.has(b.socket.id)).toBe(true);
    // The mesh itself never depended on the server.
    expect(neighbours(a, b)).toBe(true);

    // A newcomer meets them through the restarted server.
    const c = makePeer();
    await c.socket.connect(url);
    await waitFor(() => c.socket.routingTable.size === 2, MESH_MS, 'C meets A and B');
  });
});

/** Retries `attempt` until it resolves, failing with its last error after `timeoutMs`. */
async function eventually(attempt: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_POLL_MS));
    }
  }
}
