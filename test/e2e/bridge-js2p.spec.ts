/**
 * Issue 7's bridge in real Chromium: a page (WebRTC) and a js2p node (TCP) exchange broadcasts
 * through one web2p Node peer that speaks both: one network.
 */
import { expect, test } from '@playwright/test';
import { CompositeTransport, MeshSocket, nodeWebRtcTransport, tcpTransport } from '../../packages/web2p/dist/node/index.js';
import { HOST, startJs2pMesh } from '../interop/js2p-peer.js';
import { heardOn, roomPage, signalingServerPerTest, until } from './helpers.js';

const signaling = signalingServerPerTest();
test.afterAll(async () => {
  // node-datachannel's threads would keep the worker alive
  const { cleanup } = await import('node-datachannel');
  cleanup();
});

test('a Chromium page and a js2p node exchange broadcasts through a web2p bridge, exactly once', async ({ browser }) => {
  const room = `${signaling.current().url}/bridge`;
  const bridge = new MeshSocket({ transport: new CompositeTransport([tcpTransport({ listen: { host: HOST, port: 0 } }), nodeWebRtcTransport()]), trust: 'legacy' });
  const js = await startJs2pMesh('Plaintext');
  try {
    await bridge.connect(room);
    const page = await roomPage(browser, room);
    const pageId: string = await page.evaluate(() => (window as any).sock.id);
    js.sock.connect(HOST, Number(new URL(bridge.address).port));
    // js2p and the page too: each sends a broadcast to the peers in its own routing table, which it
    // fills after the bridge does (the page once it has checked the bridge's identity proof)
    const pageHoldsBridge = (): Promise<boolean> => page.evaluate((id) => (window as any).sock.routingTable.has(id), bridge.id);
    await until(
      'the bridge holds both sides, and each side the bridge',
      async () => bridge.routingTable.has(js.id) && bridge.routingTable.has(pageId) && js.sock.routing_table.has(bridge.id) && (await pageHoldsBridge()),
    );

    js.sock.send(['from js2p']);
    await page.evaluate(() => (window as any).sock.send('from the page'));
    const pageHeard = (): Promise<unknown[]> => heardOn(page);
    await until('the page hears js2p', async () => (await pageHeard()).includes('from js2p'));
    await until('js2p hears the page', async () => js.texts().includes('from the page'));
    // a marker after each: once in, a duplicate on the same path would be in too
    js.sock.send(['js2p done']);
    await page.evaluate(() => (window as any).sock.send('page done'));
    await until('both markers crossed', async () => (await pageHeard()).includes('js2p done') && js.texts().includes('page done'));
    expect((await pageHeard()).filter((text) => text === 'from js2p')).toHaveLength(1);
    expect(js.texts().filter((text) => text === 'from the page')).toHaveLength(1);
    // the two sides never met directly
    expect(js.sock.routing_table.has(pageId)).toBe(false);
  } finally {
    js.close();
    await bridge.close();
  }
});
