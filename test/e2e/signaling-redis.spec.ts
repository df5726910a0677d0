/**
 * Issue 8 in real Chromium: two signaling server instances share rooms through a real Redis; a page
 * on each joins the same room through its own instance, they meet over WebRTC and a broadcast
 * crosses. Waits on conditions, never on fixed sleeps.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startSignalingServer, type SignalingServer } from '../../signaling-server/dist/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { connected, harnessPage, nodeView, until } from './helpers.js';

let redis: RedisServer;
let instances: SignalingServer[] = [];

test.beforeAll(async () => {
  redis = await startRedis();
  instances = [await startSignalingServer({ port: 0, redis: redis.url }), await startSignalingServer({ port: 0, redis: redis.url })];
});
test.afterAll(async () => {
  await redis.stop(); // first: the instances' closing must not keep Redis alive if it is cut short
  await Promise.all(instances.map((server) => server.close()));
});

/** A page whose MeshSocket joins `url`, keeping the text of every message on `window.heard`. */
async function roomPage(browser: Browser, url: string): Promise<Page> {
  const page = await harnessPage(browser);
  await page.evaluate(async (url) => {
    const sock = new window.web2p.MeshSocket({ iceServers: [] });
    const heard: unknown[] = [];
    sock.on('message', (msg) => {
      heard.push(msg.packets[1]);
      sock.recv();
    });
    Object.assign(window, { sock, heard });
    await sock.connect(url);
  }, url);
  return page;
}

const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: unknown[] }).heard);

test('a page on each of two instances sharing Redis: they meet and a broadcast crosses', async ({ browser }) => {
  const [one, two] = [await roomPage(browser, `${instances[0]!.url}/redis-room`), await roomPage(browser, `${instances[1]!.url}/redis-room`)];
  await until('the two pages are neighbours', async () => connected(await Promise.all([one, two].map(nodeView))));
  await one.evaluate(() => (window as any).sock.send('from instance one'));
  await two.evaluate(() => (window as any).sock.send('from instance two'));
  await until('each page hears the other', async () => (await heard(two)).includes('from instance one') && (await heard(one)).includes('from instance two'));
  expect(await heard(one)).toEqual(['from instance two']);
  expect(await heard(two)).toEqual(['from instance one']);
});
