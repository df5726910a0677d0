/**
 * Faster start (issue 20 item 4): on a WebRTC link, where the other side can only be web2p, the side
 * that accepted the link sends its handshake at once instead of waiting for the dialler's (which
 * py2p 0.7.878 over TCP needs). Here the dialler end is a bare link that never speaks: the socket's
 * handshake must still arrive.
 */
import { cleanup as releaseNodeDataChannel } from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, expect, it } from 'vitest';
import { MeshSocket } from '../../packages/web2p/src/index.js';
import { openPeerConnection, type PeerConnectionAttempt } from '../../packages/web2p/src/transport/webrtc/index.js';
import type { Link, Transport } from '../../packages/web2p/src/transport/types.js';
import { FrameReader, decodeBody, flags } from '../../packages/web2p/src/wire/index.js';
import { waitFor } from '../contract/wait.js';
import { dataChannelPair } from './datachannel-pair.js';

afterAll(() => releaseNodeDataChannel());

/** A real DataChannelLink pair in this process: [dialler's end, acceptor's end]. */
function linkPair(): Promise<[Link, Link]> {
  return dataChannelPair(() => {
    const attempts: PeerConnectionAttempt[] = [];
    const side = (initiator: boolean, other: number) => ({
      RTCPeerConnection,
      configuration: {},
      initiator,
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
