/**
 * Faster start (issue 20 item 4): on a WebRTC link, where the other side can only be web2p, the side
 * that accepted the link sends its handshake at once instead of waiting for the dialler's (which
 * py2p 0.7.878 over TCP needs). Here the dialler end is a bare link: the socket's handshake must
 * arrive while it stays silent, and go again, with the bound proof, when it first speaks.
 */
import { cleanup as releaseNodeDataChannel } from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { MeshSocket } from '../../packages/web2p/src/index.js';
import { BOUND_PROOF_SUBFLAG } from '../../packages/web2p/src/mesh/identity-proof.js';
import { systemClock, type Clock } from '../../packages/web2p/src/runtime/clock.js';
import { openPeerConnection, type PeerConnectionAttempt } from '../../packages/web2p/src/transport/webrtc/index.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { FrameReader, decodeBody, flags, toHex, type WireMessage } from '../../packages/web2p/src/wire/index.js';
import { makeNodeId } from '../../packages/web2p/src/wire/node-id.js';
import { waitFor } from '../contract/wait.js';
import { WirePeer } from '../support/wire-peer.js';
import { dataChannelPair } from './datachannel-pair.js';

afterAll(() => releaseNodeDataChannel());

/** A real DataChannelLink pair in this process: [dialler's end, acceptor's end, whose peerId is `diallerId`]. */
function linkPair(diallerId?: string): Promise<[Link, Link]> {
  return dataChannelPair(() => {
    const attempts: PeerConnectionAttempt[] = [];
    const side = (initiator: boolean, other: number) => ({
      RTCPeerConnection,
      configuration: {},
      initiator,
      peerId: initiator ? undefined : diallerId,
      sendSignal: (signal: never) => attempts[other]!.signal(JSON.parse(JSON.stringify(signal))),
    });
    attempts.push(openPeerConnection(side(true, 1)), openPeerConnection(side(false, 0)));
    return attempts;
  });
}

/** Hands the socket one accepted link, as a WebRTC transport does when a peer's offer completes. */
function oneLinkTransport(link: Link): Transport {
  return {
    address: 'webrtc:test',
    listen: async (onLink) => onLink(link),
    dial: () => Promise.reject(new Error('this transport only accepts')),
    wireAddress: () => ['webrtc', 0],
    addressFromWire: () => undefined,
    close: async () => link.close(),
    compression: [],
  };
}

it('the accepting socket sends its handshake without waiting for the dialler’s', async () => {
  const [dialler, acceptor] = await linkPair();
  const reader = new FrameReader();
  const heard: number[] = [];
  dialler.attach({
    data: (bytes) => {
      for (const body of reader.push(bytes)) heard.push(decodeBody(body, [], undefined, { whisperIdUnchecked: true }).payload[0] as number);
    },
    close: () => {},
  });
  const sock = new MeshSocket({ transport: oneLinkTransport(acceptor) });
  await waitFor(() => heard.length > 0, 5_000, 'the acceptor’s handshake');
  expect(heard[0]).toBe(flags.handshake);
  await sock.close();
  dialler.close();
});

it('when the dialler first speaks, the acceptor sends its handshake and bound proof again, as the same messages', async () => {
  const diallerId = makeNodeId(randomBytes(32), 'eager-handshake');
  const [dialler, acceptor] = await linkPair(diallerId);
  const peer = new WirePeer(dialler, { whisperIdUnchecked: true });
  // The acceptor's clock runs 5 s ahead once its first messages are out: messages made again would be dated later.
  let aheadMs = 0;
  const clock: Clock = { ...systemClock, now: () => systemClock.now() + aheadMs };
  const sock = new MeshSocket({ transport: oneLinkTransport(acceptor), clock });
  sock.on('error', () => {}); // the dialler never proves its id; the clock's jump is reported
  const subflags = () => peer.received.map((message) => message.payload[0]);
  await waitFor(() => subflags().length >= 2, 5_000, 'the acceptor’s handshake and bound proof');
  expect(subflags()).toEqual([flags.handshake, BOUND_PROOF_SUBFLAG]);
  aheadMs = 5_000;
  const [handshake, proof] = peer.received;
  peer.sendHandshake(diallerId, String(handshake!.payload[2]), ['webrtc', 0]);
  await waitFor(() => subflags().length >= 4, 5_000, 'the handshake and bound proof again');
  const sent = (message: WireMessage) => [message.time, toHex(message.id), toHex(message.body)];
  expect(peer.received.slice(2, 4).map(sent)).toEqual([handshake!, proof!].map(sent));
  await sock.close();
  dialler.close();
});
