/**
 * Issue 8 in real Chromium: two signaling server instances share rooms through a real Redis; a page
 * on each joins the same room through its own instance, they meet over WebRTC and a broadcast
 * crosses. Waits on conditions, never on fixed sleeps.
 */
import { expect, test } from '@playwright/test';
import { startSignalingServer, type SignalingServer } from '../../signaling-server/dist/index.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { connected, heardOn, nodeView, roomPage, until } from './helpers.js';

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

test('a page on each of two instances sharing Redis: they meet and a broadcast crosses', async ({ browser }) => {
  const [one, two] = [await roomPage(browser, `${instances[0]!.url}/redis-room`), await roomPage(browser, `${instances[1]!.url}/redis-room`)];
  await until('the two pages are neighbours', async () => connected(await Promise.all([one, two].map(nodeView))));
  await one.evaluate(() => (window as any).sock.send('from instance one'));
  await two.evaluate(() => (window as any).sock.send('from instance two'));
  await until('each page hears the other', async () => (await heardOn(two)).includes('from instance one') && (await heardOn(one)).includes('from instance two'));
  expect(await heardOn(one)).toEqual(['from instance two']);
  expect(await heardOn(two)).toEqual(['from instance one']);
});
