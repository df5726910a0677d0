/**
 * web2p/simple-peer in real Chromium (issue 14): two pages negotiate with simple-peer, the test
 * carrying their signals as an app's own signaling would, and a MeshSocket runs over the connection:
 * broadcast, whisper and a reply, and stats() of the link.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { until } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const app = (page: Page): Promise<{ id: string; heard: string[]; peers: number }> =>
  page.evaluate(() => {
    const { sock, heard } = (window as any).app;
    return { id: sock.id as string, heard: heard as string[], peers: sock.routingTable.size as number };
  });

async function simplePeerPage(browser: Browser, initiator: boolean): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/simple-peer.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate((initiator) => (window as any).app.start(initiator), initiator);
  return page;
}

/** Carries simple-peer's signals between the pages until both meshes hold the other. */
async function negotiate(a: Page, b: Page): Promise<void> {
  await until('the mesh handshake over simple-peer', async () => {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      for (const signal of await from.evaluate(() => (window as any).app.takeSignals())) {
        await to.evaluate((signal) => (window as any).app.signal(signal), signal);
      }
    }
    return (await app(a)).peers === 1 && (await app(b)).peers === 1;
  });
}

test('two pages: simple-peer negotiates, the web2p mesh runs over it (broadcast, whisper, reply, stats)', async ({ browser }) => {
  const [a, b] = [await simplePeerPage(browser, true), await simplePeerPage(browser, false)];
  await negotiate(a, b);
  await a.evaluate(() => (window as any).app.sock.send('hello over simple-peer'));
  await b.evaluate(() => (window as any).app.sock.send('just you', { flag: (window as any).app.flags.whisper }));
  await a.evaluate(() => (window as any).app.sock.send('ping', { flag: (window as any).app.flags.whisper }));
  await until("b's reply", async () => (await app(a)).heard.includes('whisper:pong'));
  expect((await app(a)).heard).toEqual(['whisper:just you', 'whisper:pong']);
  expect((await app(b)).heard).toEqual(['broadcast:hello over simple-peer', 'whisper:ping']);
  // How the link travels, from the engine's ICE stats (one host: a direct pair; the round trip comes with the first consent check).
  const stats = async () => a.evaluate(async () => (await (window as any).app.sock.stats()).peers[0]);
  await until('an ICE round-trip time', async () => (await stats()).rttMs !== undefined);
  const peer = await stats();
  expect(peer).toMatchObject({ id: (await app(b)).id, transport: 'simple-peer' });
  expect(peer.route).toMatch(/^(host|prflx)$/);
  expect(peer.bytesReceived).toBeGreaterThan(0);
});
