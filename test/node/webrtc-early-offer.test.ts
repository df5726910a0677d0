/**
 * Faster start (issue 20): with ICE servers of its own, a WebRTC transport makes its first room
 * offer while the join is in flight, and sends it once the member list names a member. Real
 * node-datachannel sockets and a real signaling server: the offer's peer connection must exist
 * before the member list arrives (else it was not early), it must connect the newcomer to the
 * member already there, both proving their ids on the link (bound proofs, PROTOCOL.md §14.14),
 * and a join into an empty room must give its unused offer up without an error.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebRtcTransport } from '../../packages/web2p/src/node/index.js';
import type { RTCPeerConnectionConstructor } from '../../packages/web2p/src/transport/webrtc/peer-connection.js';
import { startServer } from './signaling-helpers.js';
import { expectWhisperBetween, makePeer, NodePeerConnection, peerOver, TEST_SIGNALING, type Peer } from './webrtc-helpers.js';

const CONNECT_MS = 10_000;

/** A newcomer whose transport notes how many peer connections it had made when the member list arrived. */
function watchedNewcomer(): Peer & { connectionsAtMemberList: () => number | undefined } {
  let made = 0;
  let atMemberList: number | undefined;
  class Counting extends NodePeerConnection {
    constructor(configuration: RTCConfiguration = {}) {
      super(configuration);
      made += 1;
    }
  }
  class Watching extends WebSocket {
    constructor(url: string) {
      super(url);
      // Added before the signaling client's own listener: it runs first on the same frame.
      this.addEventListener('message', (event) => {
        if (atMemberList === undefined && String(event.data).includes('"peers"')) atMemberList = made;
      });
    }
  }
  const transport = new WebRtcTransport({
    RTCPeerConnection: Counting as unknown as RTCPeerConnectionConstructor,
    WebSocket: Watching,
    signaling: TEST_SIGNALING,
    iceServers: [],
  });
  return { ...peerOver(transport), connectionsAtMemberList: () => atMemberList };
}

describe('an offer made while the room join is in flight', () => {
  it('connects the newcomer to the member the join introduced; a join into an empty room drops its unused offer quietly', async () => {
    const server = await startServer({ joinProof: 'required' });
    const url = `${server.url}/early`;
    const first = makePeer({}, { iceServers: [] });
    await first.socket.connect(url); // an empty room: its early offer has nobody to go to
    const newcomer = watchedNewcomer();
    await newcomer.socket.connect(url);
    expect(newcomer.connectionsAtMemberList()).toBe(1);
    await expectWhisperBetween(first, newcomer, CONNECT_MS);
  });
});
