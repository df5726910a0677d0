/**
 * ICE configuration from the signaling server: `--stun`/`--turn` with coturn's REST credentials,
 * checked on the wire, and used for real by node-datachannel peers relaying through a real coturn.
 */
import { createHmac, randomInt } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerUnreachableError } from '../../packages/web2p/src/node/index.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import type { SignalingServer } from '../../signaling-server/src/index.js';
import { connect, makeId, startServer, waitFor, type Received, type TestClient } from './signaling-helpers.js';
import { makePeer, neighbours } from './webrtc-helpers.js';

const SECRET = 'test-secret';
const TTL_SECONDS = 600;
const relayOnly: RTCConfiguration = { iceTransportPolicy: 'relay' };

let coturn: Coturn | undefined;
afterEach(async () => {
  await coturn?.stop();
  coturn = undefined;
});

describe('ICE servers from the signaling server', () => {
  it('a member gets STUN and time-limited TURN credentials in coturn\'s scheme before its peers list', async () => {
    const server = await startServer({ stun: ['stun:stun.test:3478'], turn: { urls: ['turn:turn.test:3478'], secret: SECRET, ttlSeconds: TTL_SECONDS } });
    const before = Math.floor(Date.now() / 1000);
    const { first: ice, id } = await firstAfterJoin(server);
    expect(ice.type).toBe('ice');
    const [stun, turn] = ice.iceServers as { urls: string[]; username?: string; credential?: string }[];
    expect(stun).toEqual({ urls: ['stun:stun.test:3478'] });
    expect(turn!.urls).toEqual(['turn:turn.test:3478']);
    const [expiry, name] = turn!.username!.split(':');
    expect(name).toBe(id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + TTL_SECONDS);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL_SECONDS);
    expect(ice.expires).toBe(Number(expiry));
    expect(turn!.credential).toBe(createHmac('sha1', SECRET).update(turn!.username!).digest('base64'));
  });

  it('renews the TURN credentials when half their lifetime has passed', async () => {
    const server = await startServer({ turn: { urls: ['turn:turn.test:3478'], secret: SECRET, ttlSeconds: TTL_SECONDS } });
    // Only the server's timers and clock are faked: sockets and their events stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { client, id } = await joinRaw(server);
      const first = await client.nextOfType('ice');
      vi.advanceTimersByTime((TTL_SECONDS * 1000) / 2);
      vi.useRealTimers();
      const renewed = await client.nextOfType('ice');
      expect(renewed.expires).toBe((first.expires as number) + TTL_SECONDS / 2);
      const [turn] = renewed.iceServers as { username: string; credential: string }[];
      expect(turn!.username).toBe(`${renewed.expires}:${id}`);
      expect(turn!.credential).toBe(createHmac('sha1', SECRET).update(turn!.username).digest('base64'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('a server without ICE servers sends no ice message, and peers come first', async () => {
    const server = await startServer();
    const { first } = await firstAfterJoin(server);
    expect(first.type).toBe('peers');
  });

  it('refuses TURN without a secret, URLs of the wrong scheme, and a ttl under a minute', async () => {
    await expect(startServer({ turn: { urls: ['turn:t:3478'], secret: '' } })).rejects.toThrow(/secret/);
    await expect(startServer({ stun: ['http://stun.test'] })).rejects.toThrow(/stun:host:port/);
    await expect(startServer({ turn: { urls: ['turn:t:3478'], secret: 's', ttlSeconds: 5 } })).rejects.toThrow(/at least 60/);
  });

  it('peers restricted to relays connect through coturn with the credentials the server handed them', async () => {
    coturn = await startCoturn({ host: '127.0.0.1', port: randomInt(20_000, 30_000), secret: SECRET, loopbackPeers: true });
    const server = await startServer({ turn: { urls: [coturn.turnUrl], secret: SECRET } });
    const url = `${server.url}/relayed`;
    const a = makePeer({}, { rtcConfiguration: relayOnly });
    const b = makePeer({}, { rtcConfiguration: relayOnly });
    await a.socket.connect(url);
    await b.socket.connect(url);
    await waitFor(() => neighbours(a, b), 15_000, 'the two relay-only peers to link through coturn');
    // Relay-only, so this path is the relay. (The candidate type is checked in Chromium, in the NAT
    // lab: libjuice names the local side of a relayed pair 'relay' or 'srflx' from run to run.)
  });

  it('with credentials from a wrong secret, relay-only peers are told they have no candidates, and why', async () => {
    coturn = await startCoturn({ host: '127.0.0.1', port: randomInt(20_000, 30_000), secret: SECRET, loopbackPeers: true });
    const server = await startServer({ turn: { urls: [coturn.turnUrl], secret: 'not-the-secret' } });
    const url = `${server.url}/refused`;
    const a = makePeer({}, { rtcConfiguration: relayOnly, connectTimeoutMs: 2_000 });
    const b = makePeer({}, { rtcConfiguration: relayOnly, connectTimeoutMs: 2_000 });
    const unreachable: PeerUnreachableError[] = [];
    b.transport.on('unreachable', (error) => unreachable.push(error));
    await a.socket.connect(url);
    await b.socket.connect(url); // the newcomer offers
    await waitFor(() => unreachable.length > 0, 10_000, 'the unreachable verdict');
    // node-datachannel reports no icecandidateerror (browsers say turn-auth-failed): no relay, no candidate.
    expect(unreachable[0]).toMatchObject({ peerId: a.socket.id, reason: 'no-candidates' });
    expect(unreachable[0]!.message).toMatch(/configure STUN\/TURN/);
    expect(neighbours(a, b)).toBe(false);
  });
});

/** Sends a join on a raw client; the server's answers are left to the test. */
async function joinRaw(server: SignalingServer): Promise<{ client: TestClient; id: string }> {
  const client = await connect(server, 'ice');
  const id = makeId();
  client.send({ type: 'join', id });
  return { client, id };
}

/** Joins a room with a raw client: the first message the server sends after the join. */
async function firstAfterJoin(server: SignalingServer): Promise<{ first: Received; id: string }> {
  const { client, id } = await joinRaw(server);
  return { first: await client.next(), id };
}
