/**
 * Issue 4 in real Chromium: pages share a SyncSocket dict over WebRTC, leases hold across pages,
 * and a page that reloads gets its dict and its leases back from IndexedDB.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { connected, harnessPage, nodeView, signalingServerPerTest, until, waitForHarness } from './helpers.js';

const signaling = signalingServerPerTest();

/** Starts (or restarts, after a reload) the page's persisted SyncSocket and joins the room. */
async function startSync(page: Page, url: string): Promise<void> {
  await page.evaluate(async (url) => {
    const sock = new window.web2p.SyncSocket({ iceServers: [], persist: true });
    Object.assign(window, { sock });
    await sock.ready;
    await sock.connect(url);
  }, url);
}

async function syncPage(browser: Browser, url: string): Promise<Page> {
  const page = await harnessPage(browser);
  await startSync(page, url);
  return page;
}

const idOf = (page: Page): Promise<string> => page.evaluate(() => (window as any).sock.id as string);

const valueOf = (page: Page, key: string) => page.evaluate((key) => (window as any).sock.get(key) ?? null, key);

/** Tries to overwrite `key`; resolves to the error's name and message, or 'ok'. */
const tryOverwrite = (page: Page, key: string, value: string) =>
  page.evaluate(
    ({ key, value }) => {
      try {
        (window as any).sock.set(key, value);
        return 'ok';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    },
    { key, value },
  );

/**
 * Waits for the next whole second: within the second of a write, §6.3 gives a tie to the smaller
 * owner id, so a lease is only sure to hold against writes from a later second.
 */
async function nextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  await until('the next second', async () => Math.floor(Date.now() / 1000) > second, 2_000);
}

test('3 pages share a dict; a lease blocks overwrites; a reloaded page keeps its data and its leases', async ({ browser }) => {
  const url = `${signaling.current().url}/dict`;
  const pages = [await syncPage(browser, url), await syncPage(browser, url), await syncPage(browser, url)];
  await until('the 3 pages form one mesh', async () => connected(await Promise.all(pages.map(nodeView))));

  await pages[0]!.evaluate(() => (window as any).sock.set('owned by 0', 'zero'));
  await pages[1]!.evaluate(() => (window as any).sock.update({ 'set by 1': [1, 2, 3], 测试: '成功' }));
  for (const page of pages) {
    await until('every key on every page', async () =>
      (await valueOf(page, 'owned by 0')) === 'zero' && (await valueOf(page, '测试')) === '成功',
    );
    expect(await valueOf(page, 'set by 1')).toEqual([1, 2, 3]);
  }

  // another page cannot take a leased key
  await nextSecond();
  expect(await tryOverwrite(pages[2]!, 'owned by 0', 'mine now')).toMatch(/^LeaseError: .*leased/);
  expect(await valueOf(pages[2]!, 'owned by 0')).toBe('zero');

  // page 0 makes sure its writes are on disk, then reloads: everything is back before it reconnects
  await pages[0]!.evaluate(() => (window as any).sock.flush());
  await pages[0]!.reload();
  await waitForHarness(pages[0]!);
  const restored = await pages[0]!.evaluate(async () => {
    const sock = new window.web2p.SyncSocket({ iceServers: [], persist: true });
    Object.assign(window, { sock });
    await sock.ready;
    return { owned: sock.get('owned by 0'), other: sock.get('set by 1'), size: sock.size };
  });
  expect(restored).toEqual({ owned: 'zero', other: [1, 2, 3], size: 3 });
  await pages[0]!.evaluate((url) => (window as any).sock.connect(url), url);
  await until('the reloaded page is back in the mesh', async () => connected(await Promise.all(pages.map(nodeView))));

  // its lease survived the reload: it may write, the others still may not
  expect(await tryOverwrite(pages[0]!, 'owned by 0', 'zero again')).toBe('ok');
  await until('the rewrite propagates', async () => (await valueOf(pages[1]!, 'owned by 0')) === 'zero again');
  await nextSecond();
  expect(await tryOverwrite(pages[1]!, 'owned by 0', 'stolen')).toMatch(/^LeaseError: .*leased/);
  expect(await valueOf(pages[2]!, 'owned by 0')).toBe('zero again');
});

/** A tab in `context`: tabs of one context share IndexedDB, sessionStorage stays per tab. */
async function tabIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/index.html');
  await waitForHarness(page);
  await startSync(page, url);
  return page;
}

/** Reloads a tab and starts its SyncSocket again, as the app would on load. */
async function reloadTab(page: Page, url: string): Promise<void> {
  await page.evaluate(() => (window as any).sock.flush());
  await page.reload();
  await waitForHarness(page);
  await startSync(page, url);
}

test('two tabs of one browser are two nodes: each keeps its own id and leases across reloads, never the other tab\'s', async ({ browser }) => {
  const url = `${signaling.current().url}/tabs`;
  const context = await browser.newContext();
  const [a, b] = [await tabIn(context, url), await tabIn(context, url)];
  const [idA, idB] = [await idOf(a), await idOf(b)];
  expect(idA).not.toBe(idB); // one IndexedDB, two slots, two key pairs
  await until('the two tabs connect', async () => connected(await Promise.all([a, b].map(nodeView))));
  await a.evaluate(() => (window as any).sock.set('a', 'from A'));
  await b.evaluate(() => (window as any).sock.set('b', 'from B'));
  await until('both keys on both tabs', async () => (await valueOf(a, 'b')) === 'from B' && (await valueOf(b, 'a')) === 'from A');

  for (const tab of [a, b]) await reloadTab(tab, url);
  expect([await idOf(a), await idOf(b)]).toEqual([idA, idB]); // each tab's key pair came back from its slot
  await until('the reloaded tabs reconnect', async () => connected(await Promise.all([a, b].map(nodeView))));
  await nextSecond();
  expect(await tryOverwrite(a, 'a', 'A again')).toBe('ok');
  expect(await tryOverwrite(b, 'b', 'B again')).toBe('ok');
  await until('the rewrites propagate', async () => (await valueOf(a, 'b')) === 'B again' && (await valueOf(b, 'a')) === 'A again');
  await nextSecond();
  expect(await tryOverwrite(a, 'b', 'stolen by A')).toMatch(/^\w+Error: .*leased/);
  expect(await tryOverwrite(b, 'a', 'stolen by B')).toMatch(/^\w+Error: .*leased/);

  // B's tab closes; the next tab opened takes its free slot and comes back as B's node, leases included.
  await b.evaluate(() => (window as any).sock.flush());
  await b.close();
  const c = await tabIn(context, url);
  expect(await idOf(c)).toBe(idB);
  expect(await valueOf(c, 'b')).toBe('B again');
  expect(await tryOverwrite(c, 'b', 'C is B')).toBe('ok');
  expect(await tryOverwrite(c, 'a', 'stolen by C')).toMatch(/^\w+Error: .*leased/);
  await context.close();
});
