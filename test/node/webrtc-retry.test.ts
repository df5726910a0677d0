/**
 * WebRTC attempts that fail converge: an answerer's failure reaches the offerer, which retries at
 * once; a member that never answers is re-offered with capped exponential backoff, and dials wait
 * out that backoff instead of opening connection after connection. Real node-datachannel
 * connections and a real signaling server on 127.0.0.1.
 */
import { cleanup as releaseNodeDataChannel } from 'node-datachannel';
import { RTCPeerConnection as DataChannelPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PeerUnreachableError, WebRtcTransport, type DataChannelLink, type Link, type WebRtcTransportOptions } from '../../packages/web2p/src/node/index.js';
import { forLibDataChannel } from '../../packages/web2p/src/node/turn-credentials.js';
import type { RTCPeerConnectionConstructor } from '../../packages/web2p/src/transport/webrtc/peer-connection.js';
import { DTLS_RACE_RETRIES, HANDSHAKE_RETRIES, UNREACHABLE_RETRY_BASE_MS } from '../../packages/web2p/src/transport/webrtc/constants.js';
import { join, makeId, startServer, waitFor } from './signaling-helpers.js';
import { TEST_SIGNALING } from './webrtc-helpers.js';

afterAll(() => releaseNodeDataChannel());

/** node-datachannel's RTCPeerConnection as web2p/node makes it, as a class the tests below extend. */
class NodePeerConnection extends DataChannelPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super(forLibDataChannel(configuration) as RTCConfiguration);
  }
}

const transports: WebRtcTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

interface Endpoint {
  id: string;
  transport: WebRtcTransport;
  links: Link[];
  unreachable: PeerUnreachableError[];
}

/** A transport listening under a fresh id; nothing relays signals over a mesh here (and it says so when `tellsNoRelay`). */
function endpoint(options: Partial<WebRtcTransportOptions> = {}, { tellsNoRelay = false } = {}): Endpoint {
  const id = makeId();
  const transport = new WebRtcTransport({
    RTCPeerConnection: NodePeerConnection as unknown as RTCPeerConnectionConstructor,
    WebSocket,
    signaling: TEST_SIGNALING,
    ...options,
  });
  transports.push(transport);
  const links: Link[] = [];
  const unreachable: PeerUnreachableError[] = [];
  transport.on('unreachable', (error) => unreachable.push(error));
  void transport.listen((link) => links.push(link), { id, relaySignal: () => false, ...(tellsNoRelay && { canRelaySignal: () => false }) });
  return { id, transport, links, unreachable };
}

/** Counts the RTCPeerConnections a transport opens. */
function counting(): { RTCPeerConnection: typeof NodePeerConnection; opened: () => number } {
  let opened = 0;
  class Counting extends NodePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      opened += 1;
    }
  }
  return { RTCPeerConnection: Counting, opened: () => opened };
}

/** An answerer whose first connection fails to take the offer, as a browser that cannot parse it. */
class FailsFirstOffer extends NodePeerConnection {
  static failed = false;
  override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (description.type === 'offer' && !FailsFirstOffer.failed) {
      FailsFirstOffer.failed = true;
      throw new Error('this engine could not take the offer');
    }
    return super.setRemoteDescription(description);
  }
}

/** A connection class whose first offer taken fails once `arm()` was called (for the side chosen after the ids are known). */
function failsFirstOfferWhenArmed(): { RTCPeerConnection: typeof NodePeerConnection; arm: () => void; failed: () => boolean } {
  let armed = false;
  let failed = false;
  class Armed extends NodePeerConnection {
    override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      if (description.type === 'offer' && armed && !failed) {
        failed = true;
        throw new Error('this engine could not take the offer');
      }
      return super.setRemoteDescription(description);
    }
  }
  return { RTCPeerConnection: Armed, arm: () => (armed = true), failed: () => failed };
}

/**
 * An offerer whose first `count` connections take their answer with one byte of the DTLS fingerprint
 * changed: ICE connects, then the real DTLS handshake fails on both sides, as when libdatachannel
 * loses its race between taking the answer and checking the peer's certificate on a busy CPU.
 */
function failsDtls(count: number): {
  RTCPeerConnection: typeof NodePeerConnection;
  failed: () => number;
  opened: () => number;
  states: () => RTCPeerConnectionState[];
} {
  let failed = 0;
  const connections: RTCPeerConnection[] = [];
  class WrongFingerprint extends NodePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      connections.push(this as unknown as RTCPeerConnection);
    }
    override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      if (description.type === 'answer' && failed < count) {
        failed += 1;
        const sdp = description.sdp!.replace(/(a=fingerprint:\S+ )([0-9A-F]{2})/, (_, head: string, byte: string) =>
          head + (byte === '00' ? '01' : '00'));
        return super.setRemoteDescription({ type: 'answer', sdp });
      }
      return super.setRemoteDescription(description);
    }
  }
  return {
    RTCPeerConnection: WrongFingerprint,
    failed: () => failed,
    opened: () => connections.length,
    states: () => connections.map((connection) => connection.connectionState),
  };
}

describe('WebRTC retries', () => {
  it('when both dial at once and the winning offer fails, both dials still get the one retried connection', async () => {
    const server = await startServer();
    const url = `${server.url}/glare-fails`;
    const [pcA, pcB] = [failsFirstOfferWhenArmed(), failsFirstOfferWhenArmed()];
    const a = endpoint({ RTCPeerConnection: pcA.RTCPeerConnection, roomOfferLimit: 0 });
    const b = endpoint({ RTCPeerConnection: pcB.RTCPeerConnection, roomOfferLimit: 0 });
    await a.transport.dial(url);
    await b.transport.dial(url);
    // The smaller id's offer wins the glare; the other side's dial waits on the connection it answers.
    const loser = a.id < b.id ? pcB : pcA;
    loser.arm();
    const [linkA, linkB] = await Promise.all([a.transport.dial(`webrtc:${b.id}`), b.transport.dial(`webrtc:${a.id}`)]);
    expect(loser.failed()).toBe(true);
    // One connection, handed to both dials: each end's certificate is the other's remote one.
    expect(linkA!.fingerprints!.local).toBe(linkB!.fingerprints!.remote);
    expect(linkB!.fingerprints!.local).toBe(linkA!.fingerprints!.remote);
    expect([a.links, b.links, a.unreachable, b.unreachable]).toEqual([[], [], [], []]);
  });


  it("an answerer's failure reaches the offerer, which retries at once instead of waiting out its timeout", async () => {
    const server = await startServer();
    const url = `${server.url}/answerer-fails`;
    const started = Date.now();
    const timeoutMs = 20_000;
    const b = endpoint({ RTCPeerConnection: FailsFirstOffer });
    const a = endpoint({ connectTimeoutMs: timeoutMs });
    await b.transport.dial(url);
    await a.transport.dial(url); // the newcomer offers to b
    await waitFor(() => a.links.length === 1 && b.links.length === 1, timeoutMs / 2, 'the retried connection to open');
    expect(FailsFirstOffer.failed).toBe(true);
    expect(Date.now() - started).toBeLessThan(timeoutMs / 2);
    expect(a.unreachable).toEqual([]);
    // The link knows how it travels (its stats read ICE's selected pair): on one host our end is a
    // host candidate (the peer's may show as prflx when its checks arrive before its candidates do).
    const stats = await (a.links[0] as DataChannelLink).stats();
    expect(stats.candidates?.local).toBe('host');
    expect(stats.candidates?.remote).toMatch(/^(host|prflx)$/);
    expect(stats.route).toMatch(/^(host|prflx)$/);
  });

  it('a member that never answers is re-offered with capped exponential backoff, and dials wait it out', async () => {
    const server = await startServer();
    const { id: silent } = await join(server, 'silent-member'); // joined, never answers an offer
    const pcs = counting();
    const a = endpoint({ RTCPeerConnection: pcs.RTCPeerConnection, connectTimeoutMs: 300 });
    await a.transport.dial(`${server.url}/silent-member`);
    await waitFor(() => a.unreachable.length === 1, 5_000, 'the first unreachable verdict');
    const [first] = a.unreachable;
    expect(first).toMatchObject({ peerId: silent, reason: 'timeout', retryInMs: UNREACHABLE_RETRY_BASE_MS });
    expect(first!.message).toMatch(/configure STUN\/TURN/);
    // A dial during the backoff fails at once, with the same diagnosis, and opens nothing.
    await expect(a.transport.dial(`webrtc:${silent}`)).rejects.toBeInstanceOf(PeerUnreachableError);
    expect(pcs.opened()).toBe(1);
    await waitFor(() => a.unreachable.length === 2, UNREACHABLE_RETRY_BASE_MS + 3_000, 'the re-offer after the backoff');
    expect(a.unreachable[1]!.retryInMs).toBe(2 * UNREACHABLE_RETRY_BASE_MS);
    expect(pcs.opened()).toBe(2);
  });

  it('a dial to a member that left builds no connection until the member is back', async () => {
    const server = await startServer();
    const url = `${server.url}/departed`;
    const pcs = counting();
    const a = endpoint({ RTCPeerConnection: pcs.RTCPeerConnection, roomOfferLimit: 0 }, { tellsNoRelay: true });
    await a.transport.dial(url);
    const member = await join(server, 'departed');
    await waitFor(() => a.transport.rooms.get(url)!.members.has(member.id), 5_000, 'the member announced');
    member.client.ws.close();
    await waitFor(() => !a.transport.rooms.get(url)!.members.has(member.id), 5_000, 'the member gone');
    // Before, this built an RTCPeerConnection and then failed to send its offer: each one counts
    // against Chromium's 500 until it is garbage-collected.
    await expect(a.transport.dial(`webrtc:${member.id}`)).rejects.toThrow(/no route for WebRTC signals/);
    expect(pcs.opened()).toBe(0);
    // The same id back in the room (a reloaded page keeps its id) is dialled again: its offer arrives.
    const back = await join(server, 'departed', member.id);
    await waitFor(() => a.transport.rooms.get(url)!.members.has(member.id), 5_000, 'the member announced again');
    const dial = a.transport.dial(`webrtc:${member.id}`);
    dial.catch(() => undefined); // the raw client never answers; the transport's close ends the dial
    const signal = await back.client.nextOfType('signal');
    expect(signal).toMatchObject({ from: a.id, data: { signal: { type: 'offer' } } });
    expect(pcs.opened()).toBe(1);
  });

  it('a DTLS handshake that fails after ICE connected is "dtls-failed" and retried past HANDSHAKE_RETRIES', async () => {
    const server = await startServer();
    const url = `${server.url}/dtls-race`;
    const pcs = failsDtls(HANDSHAKE_RETRIES + 2);
    const a = endpoint({ RTCPeerConnection: pcs.RTCPeerConnection, roomOfferLimit: 0 });
    const b = endpoint({ roomOfferLimit: 0 });
    await a.transport.dial(url);
    await b.transport.dial(url);
    const link = await a.transport.dial(`webrtc:${b.id}`);
    expect(link).not.toBeNull();
    expect(pcs.failed()).toBe(HANDSHAKE_RETRIES + 2);
    // One connection carries the link and every other one failed: the tampered ones, and on a busy
    // CPU (CI) sometimes one of libdatachannel's own DTLS races, which the same budget retries.
    const states = pcs.states();
    expect(states.filter((state) => state === 'connected')).toHaveLength(1);
    expect(states.filter((state) => state !== 'connected').every((state) => state === 'failed' || state === 'closed')).toBe(true);
    expect(states.length).toBeGreaterThanOrEqual(HANDSHAKE_RETRIES + 3);
    expect([a.unreachable, b.unreachable]).toEqual([[], []]);
  });

  it('a peer whose DTLS handshake always fails is unreachable as "dtls-failed", not "ice-failed"', async () => {
    const server = await startServer();
    const url = `${server.url}/dtls-always`;
    const attempts = HANDSHAKE_RETRIES + DTLS_RACE_RETRIES + 1;
    const pcs = failsDtls(Number.POSITIVE_INFINITY);
    const a = endpoint({ RTCPeerConnection: pcs.RTCPeerConnection, roomOfferLimit: 0 });
    const b = endpoint({ roomOfferLimit: 0 });
    await a.transport.dial(url);
    await b.transport.dial(url);
    const dial = a.transport.dial(`webrtc:${b.id}`);
    await expect(dial).rejects.toMatchObject({ name: 'PeerUnreachableError', reason: 'dtls-failed' });
    expect(pcs.opened()).toBe(attempts);
    expect(a.unreachable.map((error) => error.reason)).toEqual(['dtls-failed']);
    expect(a.unreachable[0]!.message).toMatch(/DTLS handshake/);
  });
});
