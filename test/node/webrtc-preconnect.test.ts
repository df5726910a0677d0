/**
 * Faster start (issue 20): a MeshSocket whose key pair is still being made (WebCrypto, as in
 * browsers) opens its signaling room's WebSocket when connect() is called, and joins on that socket
 * once the key exists: the server's challenge waits for the key, not the socket's open. Real `ws`
 * sockets, a real signaling server requiring join proofs, real node-datachannel connections.
 */
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebRtcTransport } from '../../packages/web2p/src/node/index.js';
import type { RTCPeerConnectionConstructor } from '../../packages/web2p/src/transport/webrtc/peer-connection.js';
import { useWebCryptoEd25519 } from '../support/webcrypto-ed25519.js';
import { startServer } from './signaling-helpers.js';
import { expectWhisperBetween, makePeer, NodePeerConnection, peerOver, TEST_SIGNALING } from './webrtc-helpers.js';

const CONNECT_MS = 10_000;

useWebCryptoEd25519();

/** `ws`'s WebSocket, counting the sockets a transport opens. */
function countingWebSocket(): { WebSocket: new (url: string) => WebSocket; opened: () => number } {
  let opened = 0;
  class Counting extends WebSocket {
    constructor(url: string) {
      super(url);
      opened += 1;
    }
  }
  return { WebSocket: Counting, opened: () => opened };
}

it('opens the room’s WebSocket while the key is made, joins on it with a proof, and meets the member there', async () => {
  const server = await startServer({ joinProof: 'required' });
  const url = `${server.url}/preconnect`;
  const first = makePeer();
  await first.socket.ready;
  await first.socket.connect(url);

  const counting = countingWebSocket();
  const transport = new WebRtcTransport({
    RTCPeerConnection: NodePeerConnection as unknown as RTCPeerConnectionConstructor,
    WebSocket: counting.WebSocket,
    signaling: TEST_SIGNALING,
  });
  const newcomer = peerOver(transport);
  let keyKnown = false;
  void newcomer.socket.ready.then(() => (keyKnown = true));
  const joined = newcomer.socket.connect(url);
  expect(keyKnown).toBe(false);
  expect(counting.opened()).toBe(1); // before the key exists
  await joined;
  expect(counting.opened()).toBe(1); // the join used it: no second socket
  await expectWhisperBetween(first, newcomer, CONNECT_MS);
});
