/**
 * Issue 5 in real Chromium: pages form a chord ring (k = 4) over WebRTC, every page reads every key,
 * keys survive a page closing, and a reloaded page rejoins at its position with its shard.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { connected, harnessPage, nodeView, signalingServerPerTest, until, waitForHarness } from './helpers.js';

const signaling = signalingServerPerTest();

/** Starts the page's persisted ChordSocket (k = 4), joins the room, and joins the ring, as an app would. */
async function startChord(page: Page, url: string): Promise<void> {
  await page.evaluate(async (url) => {
    const sock = new window.web2p.ChordSocket({ k: 4, iceServers: [], persist: true });
    Object.assign(window, { sock });
    await sock.connect(url);
    await sock.join();
  }, url);
}

async function chordPage(browser: Browser, url: string): Promise<Page> {
  const page = await harnessPage(browser);
  await startChord(page, url);
  return page;
}

/** Every key read on `page`, as key → value (null when a read failed). */
function readAll(page: Page, keys: string[]): Promise<Record<string, unknown>> {
  return page.evaluate(async (keys) => {
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = await (window as any).sock.get(key, null).catch(() => null);
    return out;
  }, keys);
}

const position = (page: Page) => page.evaluate(() => (window as any).sock.ringState().position as number);

test('4 pages form a ring; every key is readable everywhere, after a page closes, and after a reload', async ({ browser }) => {
  const url = `${signaling.current().url}/ring`;
  const pages: Page[] = [];
  for (let i = 0; i < 4; i++) pages.push(await chordPage(browser, url));
  await until('the 4 pages form one mesh', async () => connected(await Promise.all(pages.map(nodeView))));
  const positions = await Promise.all(pages.map(position));
  expect(new Set(positions).size).toBe(4); // distinct places on a ring of 16

  const expected: Record<string, string> = {};
  for (const [i, page] of pages.entries()) {
    for (let j = 0; j < 5; j++) expected[`key ${i}.${j}`] = `value ${i}.${j}`;
    await page.evaluate(async (i) => {
      for (let j = 0; j < 5; j++) await (window as any).sock.set(`key ${i}.${j}`, `value ${i}.${j}`);
    }, i);
  }
  const keys = Object.keys(expected);
  for (const page of pages) {
    await until('every page reads every key', async () => JSON.stringify(await readAll(page, keys)) === JSON.stringify(expected));
  }

  // one page closes: the others still read everything (its keys were replicated or handed over)
  await pages[3]!.close();
  const rest = pages.slice(0, 3);
  await until('the others drop the closed page', async () => connected(await Promise.all(rest.map(nodeView))));
  for (const page of rest) {
    await until('every key is still readable', async () => JSON.stringify(await readAll(page, keys)) === JSON.stringify(expected));
  }

  // a page reloads: it comes back at the same position with its shard
  const before = await position(pages[0]!);
  await pages[0]!.reload();
  await waitForHarness(pages[0]!);
  await startChord(pages[0]!, url);
  expect(await position(pages[0]!)).toBe(before);
  const localKeys = await pages[0]!.evaluate(() => ((window as any).sock.keys() as Uint8Array[]).length);
  expect(localKeys).toBeGreaterThan(0);
  await until('the ring is whole again', async () => connected(await Promise.all(rest.map(nodeView))));
  for (const page of rest) {
    await until('every key is readable after the reload', async () => JSON.stringify(await readAll(page, keys)) === JSON.stringify(expected));
  }
});
