/**
 * Issue 4 in real Chromium: pages share a SyncSocket dict over WebRTC, leases hold across pages,
 * and a page that reloads gets its dict and its leases back from IndexedDB.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
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
