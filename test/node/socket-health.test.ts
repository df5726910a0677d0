/**
 * The socket's health over real WebRTC (node-datachannel) and a real signaling server on 127.0.0.1:
 * the transport's 'unreachable' verdict reaches the socket (issue 14), and the state and signaling
 * events tell a socket alone in its room from one with peers (issue 18).
 */
import { describe, expect, it } from 'vitest';
import type { PeerStats, PeerUnreachableError, SocketState } from '../../packages/web2p/src/node/index.js';
import { join, startServer, waitFor } from './signaling-helpers.js';
import { makePeer, neighbours, type Peer } from './webrtc-helpers.js';

describe('socket health over WebRTC', () => {
  it("a room member that never answers: the socket says 'unreachable' with the reason and advice, logged at debugLevel 1", async () => {
    const server = await startServer();
    const { id: silent } = await join(server, 'silent'); // joined, never answers an offer
    const lines: string[] = [];
    const a = makePeer({ debugLevel: 1, log: (line) => lines.push(line) }, { connectTimeoutMs: 300 });
    const unreachable: PeerUnreachableError[] = [];
    a.socket.on('unreachable', (error) => unreachable.push(error));
    await a.socket.connect(`${server.url}/silent`);
    await waitFor(() => unreachable.length === 1, 5_000, "the socket's unreachable event");
    expect(unreachable[0]).toMatchObject({ name: 'PeerUnreachableError', peerId: silent, reason: 'timeout' });
    expect(unreachable[0]!.message).toMatch(/configure STUN\/TURN/);
    expect(lines.some((line) => line.includes(`cannot reach ${silent}`))).toBe(true);
    // In the room, but with nobody reachable: not "connected".
    expect(a.socket.state).toBe('joined-alone');
  });

  it('connecting → joined-alone (in the room) → connected, and signaling up/down events', async () => {
    const server = await startServer();
    const url = `${server.url}/health`;
    const a = makePeer();
    const states: SocketState[] = [];
    const ups: string[] = [];
    const downs: string[] = [];
    a.socket.on('state', (state) => states.push(state));
    a.socket.on('signaling-up', (room) => ups.push(room));
    a.socket.on('signaling-down', (room, reason, retryInMs) => downs.push(`${room} ${reason.name} ${retryInMs >= 0}`));
    await a.socket.listening;
    // Listening is not enough on WebRTC: nobody can find us before we join a room.
    expect(a.socket.state).toBe('connecting');
    await a.socket.connect(url);
    expect(a.socket.state).toBe('joined-alone');
    expect(ups).toEqual([url]);
    const b = makePeer();
    await b.socket.connect(url);
    await waitFor(() => neighbours(a, b), 10_000, 'a and b to link');
    expect(a.socket.state).toBe('connected');
    // The server goes away: peers stay linked, so the state stays; the room is reported down.
    await server.close();
    await waitFor(() => downs.length === 1, 5_000, 'signaling-down');
    expect(downs).toEqual([`${url} ConnectionClosedError true`]);
    expect(a.socket.state).toBe('connected');
    // Its last peer gone and no room: nobody can find it, so it is connecting again.
    await b.socket.close();
    await waitFor(() => a.socket.state !== 'connected', 10_000, 'a to lose b');
    expect(a.socket.state).toBe('connecting');
    // The server comes back on its port: the room is joined again, so a is findable, if alone.
    await startServer({ port: Number(new URL(server.url).port) });
    await waitFor(() => ups.length === 2, 10_000, 'signaling-up after the reconnection');
    expect(a.socket.state).toBe('joined-alone');
    expect(states).toEqual(['joined-alone', 'connected', 'connecting', 'joined-alone']);
  });

  it('stats() over WebRTC: the route and candidate types of the selected pair, ICE round-trip time, bytes and queue', async () => {
    const server = await startServer();
    const url = `${server.url}/stats`;
    const [a, b] = [makePeer(), makePeer()];
    await a.socket.connect(url);
    await b.socket.connect(url);
    await waitFor(() => neighbours(a, b), 10_000, 'a and b to link');
    a.socket.send('y'.repeat(100_000));
    await waitFor(() => b.heard.length === 1, 10_000, 'the message');
    // The route is read from getStats(): on one host our end is a host candidate (the peer's may show
    // as prflx when its checks arrive before its candidates do); ICE measures the round trip itself.
    const peer = await statsUntil(a, (stats) => stats.rttMs !== undefined);
    expect(peer).toMatchObject({ id: b.socket.id, transport: 'webrtc', queuedBytes: 0 });
    expect(peer.route).toMatch(/^(host|prflx)$/);
    expect(peer.candidates!.local).toBe('host');
    expect(peer.rttMs).toBeGreaterThanOrEqual(0);
    expect(peer.bytesSent).toBeGreaterThan(100_000);
    const fromA = (await b.socket.stats()).peers[0]!;
    expect(fromA.bytesReceived).toBe(peer.bytesSent);
    expect((await a.socket.stats()).signaling).toEqual([url]);
  });
});

/** `peer`'s first peer's stats, once `done` holds (engines fill in ICE figures a moment after opening). */
async function statsUntil(peer: Peer, done: (stats: PeerStats) => boolean, timeoutMs = 10_000): Promise<PeerStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await peer.socket.stats()).peers[0];
    if (stats && done(stats)) return stats;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for stats: ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
