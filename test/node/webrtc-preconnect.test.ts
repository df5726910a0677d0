/**
 * Faster start (issue 20): a MeshSocket whose key pair is still being made (WebCrypto, as in
 * browsers) opens its signaling room's WebSocket when connect() is called, and joins on that socket
 * once the key exists: the server's challenge waits for the key, not the socket's open. Real `ws`
 * sockets, a real signaling server requiring join proofs, real node-datachannel connections.
 */
import { RTCPeerConnection as DataChannelPeerConnection } from 'node-datachannel/polyfill';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ed25519, useEd25519, type Ed25519 } from '../../packages/web2p/src/identity/ed25519.js';
import { webCryptoEd25519 } from '../../packages/web2p/src/identity/webcrypto-ed25519.js';
import { MeshSocket, WebRtcTransport, flags } from '../../packages/web2p/src/node/index.js';
import { forLibDataChannel } from '../../packages/web2p/src/node/turn-credentials.js';
import type { RTCPeerConnectionConstructor } from '../../packages/web2p/src/transport/webrtc/peer-connection.js';
import { waitFor } from '../contract/wait.js';
import { startServer } from './signaling-helpers.js';
import { makePeer, TEST_SIGNALING } from './webrtc-helpers.js';

const CONNECT_MS = 10_000;

let before: Ed25519;
beforeAll(() => {
  before = ed25519();
  useEd25519(webCryptoEd25519);
});
afterAll(() => useEd25519(before));

const open: MeshSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

/** node-datachannel's RTCPeerConnection as web2p/node makes it. */
class NodePeerConnection extends DataChannelPeerConnection {
  constructor(configuration: RTCConfiguration = {}) {
    super(forLibDataChannel(configuration) as RTCConfiguration);
  }
}

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
  const newcomer = { socket: new MeshSocket({ transport }), errors: [] as Error[] };
  open.push(newcomer.socket);
  newcomer.socket.on('error', (error) => newcomer.errors.push(error));
  let keyKnown = false;
  void newcomer.socket.ready.then(() => (keyKnown = true));
  const joined = newcomer.socket.connect(url);
  expect(keyKnown).toBe(false);
  expect(counting.opened()).toBe(1); // before the key exists
  await joined;
  expect(counting.opened()).toBe(1); // the join used it: no second socket
  await waitFor(
    () => first.socket.routingTable.has(newcomer.socket.id) && newcomer.socket.routingTable.has(first.socket.id),
    CONNECT_MS,
    'both in each other’s routing tables',
  );
  newcomer.socket.send('hello', { flag: flags.whisper, type: flags.whisper });
  await waitFor(() => first.heard.some((h) => h.text === 'hello'), CONNECT_MS, 'the whisper at the first member');
  expect(first.errors).toEqual([]);
  expect(newcomer.errors).toEqual([]);
});
