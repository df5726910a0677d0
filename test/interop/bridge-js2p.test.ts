/**
 * A bridge: one web2p Node socket on two transports (CompositeTransport), TCP for js2p peers and
 * node-datachannel WebRTC for browser-style peers met in a signaling room. Broadcasts cross from
 * either side to the other exactly once, relayed by the bridge's one mesh.
 */
import { describe, expect, it } from 'vitest';
import { CompositeTransport, MeshSocket, nodeWebRtcTransport, tcpTransport } from '../../packages/web2p/src/node/index.js';
import { startServer } from '../node/signaling-helpers.js';
import { TEST_SIGNALING, makePeer } from '../node/webrtc-helpers.js';
import { HOST, NETWORK_MS, count, js2pMesh, linked, waitFor, watchWeb } from './js2p-helpers.js';

describe('CompositeTransport bridging WebRTC and js2p over TCP', () => {
  it('relays broadcasts between a WebRTC peer and a js2p peer exactly once, both ways', async () => {
    const server = await startServer();
    const room = `${server.url}/bridge`;
    const transport = new CompositeTransport([tcpTransport({ listen: { host: HOST, port: 0 } }), nodeWebRtcTransport({ signaling: TEST_SIGNALING })]);
    const bridge = await watchWeb(new MeshSocket({ transport, trust: 'legacy' }));
    // The primary (TCP) is what peers are told: js2p can dial it back.
    expect(bridge.sock.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const browser = makePeer();
    const js = await js2pMesh('Plaintext');

    await bridge.sock.connect(room);
    await browser.socket.connect(room);
    js.sock.connect(HOST, bridge.port);
    await waitFor(
      () => linked(bridge, js) && browser.socket.routingTable.has(bridge.sock.id) && bridge.sock.routingTable.has(browser.socket.id),
      NETWORK_MS,
      'the bridge linked to both sides',
    );

    js.sock.send(['from js2p']);
    browser.socket.send('from the browser');
    bridge.sock.send('from the bridge');
    // Markers after each message: once they are in, any duplicate on the same path would be too.
    js.sock.send(['js2p done']);
    browser.socket.send('browser done');
    bridge.sock.send('bridge done');
    const browserTexts = (): string[] => browser.heard.map((heard) => heard.text);
    const browserCount = (text: string): number => browserTexts().filter((t) => t === text).length;
    await waitFor(
      () =>
        count(js, 'browser done') > 0 &&
        count(js, 'bridge done') > 0 &&
        browserCount('js2p done') > 0 &&
        browserCount('bridge done') > 0 &&
        count(bridge, 'js2p done') > 0 &&
        count(bridge, 'browser done') > 0,
      NETWORK_MS,
      'every broadcast on every side',
    );
    expect(js.texts().sort()).toEqual(['bridge done', 'browser done', 'from the bridge', 'from the browser']);
    expect(browserTexts().sort()).toEqual(['bridge done', 'from js2p', 'from the bridge', 'js2p done']);
    expect(bridge.texts().sort()).toEqual(['browser done', 'from js2p', 'from the browser', 'js2p done']);
    // The two sides never met: js2p cannot dial a WebRTC peer, nor WebRTC a TCP one.
    expect(browser.socket.routingTable.has(js.id)).toBe(false);
    expect(js.sock.routing_table.has(browser.socket.id)).toBe(false);
    expect([...bridge.errors, ...browser.errors]).toEqual([]);
  });
});
