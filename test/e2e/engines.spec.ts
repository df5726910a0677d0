/**
 * Chromium and Firefox ESR with their stock settings (mDNS host candidates on), in all four pairings:
 * connect, chat (broadcast), reply, a large message, sync and chord between a page of each. The
 * second page of a pair joins last, so it makes the offers: "chromium ← firefox" is Firefox offering.
 */
import { expect, test } from '@playwright/test';
import { launchStock, type Engine, type EngineName } from './engines.js';
import { signalingServerPerTest, until } from './helpers.js';
import * as app from './page-app.js';

const signaling = signalingServerPerTest();
const HARNESS = 'http://127.0.0.1:8790/index.html';
/** A large message: 1 MiB of text, 16 data-channel chunks. */
const LARGE = 1024 * 1024;
const PAIRS: [EngineName, EngineName][] = [
  ['chromium', 'chromium'],
  ['firefox', 'firefox'],
  ['chromium', 'firefox'],
  ['firefox', 'chromium'],
];

const engines = new Map<EngineName, Engine>();
test.beforeAll(async () => {
  for (const name of ['chromium', 'firefox'] as const) engines.set(name, await launchStock(name));
});
test.afterAll(async () => {
  await Promise.all([...engines.values()].map((engine) => engine.close()));
});

test('stock settings: both engines hide host addresses behind mDNS names', async () => {
  for (const engine of engines.values()) {
    const page = await engine.newPage(HARNESS);
    const hosts = await page.evaluate(app.hostCandidates, undefined);
    expect(hosts.length, `${engine.name} gathers host candidates`).toBeGreaterThan(0);
    for (const host of hosts) expect(host, `${engine.name} host candidate`).toMatch(/\.local$/);
    await page.close();
  }
});

for (const [first, second] of PAIRS) {
  test(`${first} ← ${second}: connect, chat, reply, a large message, sync and chord`, async () => {
    const base = signaling.current().url;
    const a = await engines.get(first)!.newPage(HARNESS);
    const b = await engines.get(second)!.newPage(HARNESS);
    try {
      const aId = await a.evaluate(app.startMesh, `${base}/mesh`);
      const bId = await b.evaluate(app.startMesh, `${base}/mesh`);
      await until('the two pages link', async () => (await a.evaluate(app.neighbourIds, undefined)).mesh.includes(bId));
      console.log(`connect ${first} ← ${second}: ${Math.round((await b.evaluate(app.connectMs, undefined))!)} ms`);
      // Each engine reports how the link travels through stats() (Firefox names no selected pair: the nominated one counts).
      for (const page of [a, b]) await until('stats() to name the route', async () => ((await page.evaluate(app.meshStats, undefined)).route ?? 'unknown') !== 'unknown');
      const [sa, sb] = [await a.evaluate(app.meshStats, undefined), await b.evaluate(app.meshStats, undefined)];
      expect([sa.state, sb.state]).toEqual(['connected', 'connected']);
      console.log(`stats ${first} ← ${second}: route ${sa.route}/${sb.route}, rtt ${sa.rttMs ?? '?'}/${sb.rttMs ?? '?'} ms`);

      await a.evaluate(app.broadcast, 'hello');
      await until('the chat line arrives', async () => (await b.evaluate(app.heard, undefined)).includes('hello'));
      await b.evaluate(app.broadcast, 'ping');
      await until('the reply comes back', async () => (await b.evaluate(app.heard, undefined)).includes('pong'));
      await a.evaluate(app.broadcast, LARGE);
      await until('the large message arrives whole', async () => (await b.evaluate(app.heard, undefined)).includes(`${LARGE} chars`));

      await a.evaluate(app.startSync, `${base}/sync`);
      await b.evaluate(app.startSync, `${base}/sync`);
      await until('the sync pages link', async () => (await b.evaluate(app.neighbourIds, undefined)).sync.length > 0);
      await a.evaluate(app.syncSet, ['colour', 'teal']);
      await until('the key syncs', async () => (await b.evaluate(app.syncGet, 'colour')) === 'teal');

      await a.evaluate(app.startChord, `${base}/chord`);
      await b.evaluate(app.startChord, `${base}/chord`);
      await until('the chord pages link', async () => (await b.evaluate(app.neighbourIds, undefined)).chord.length > 0);
      await a.evaluate(app.chordSet, ['planet', 'mars']);
      await until('the other page reads the chord key', async () => (await b.evaluate(app.chordGet, 'planet')) === 'mars');
      expect(aId).not.toBe(bId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

for (const [first, second] of [['firefox', 'firefox'], ['chromium', 'firefox']] as [EngineName, EngineName][]) {
  test(`${first} ← ${second} with WebCrypto's Ed25519 (a MeshSocket-only app): ids proven, chat and reply`, async () => {
    const base = signaling.current().url;
    const a = await engines.get(first)!.newPage(HARNESS);
    const b = await engines.get(second)!.newPage(HARNESS);
    try {
      for (const page of [a, b]) expect(await page.evaluate(app.useWebCryptoEd25519, undefined), 'the engine has WebCrypto Ed25519').toBe(true);
      const aId = await a.evaluate(app.startMesh, `${base}/webcrypto`);
      const bId = await b.evaluate(app.startMesh, `${base}/webcrypto`);
      await until('the two pages link (each proved its id)', async () => (await a.evaluate(app.neighbourIds, undefined)).mesh.includes(bId));
      await a.evaluate(app.broadcast, 'hello');
      await until('the chat line arrives', async () => (await b.evaluate(app.heard, undefined)).includes('hello'));
      await b.evaluate(app.broadcast, 'ping');
      await until('the reply comes back', async () => (await b.evaluate(app.heard, undefined)).includes('pong'));
      expect(aId).not.toBe(bId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}
