/**
 * bench:engines — Firefox ESR and Chromium with stock settings (mDNS host candidates on): for each
 * direction, one page stays in a room while the other reloads --reloads times (default 20) and
 * rejoins, offering to it. Records the connect time of each rejoin (from `connect()` to its first
 * link), counts a split room when the two pages are not linked within SPLIT_DEADLINE_MS, and counts
 * the RTCPeerConnections the staying page built per rejoin (Chromium allows a page 500). Writes
 * bench/results/cross-engine.json and prints a line per direction. Needs the harness page built
 * (`npm run bench:engines` does it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from '@playwright/test';
import { startSignalingServer } from '../signaling-server/dist/index.js';
import { launchStock, type EngineName } from '../test/e2e/engines.js';
import * as app from '../test/e2e/page-app.js';
import { median, numberArg, percentile } from './lib.js';

const RELOADS = numberArg('reloads', 20);
/** Longer than a retried handshake takes (a few seconds), far shorter than "for good". */
const SPLIT_DEADLINE_MS = 15_000;
const POLL_MS = 50;
const DIRECTIONS: [stays: EngineName, reloads: EngineName][] = [
  ['firefox', 'chromium'],
  ['chromium', 'firefox'],
];

test('cross-engine connect time and split rooms over reloads', async () => {
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', staticDir: 'test/e2e/harness/dist' });
  const harness = `${server.url.replace(/^ws/, 'http')}/index.html`;
  const engines = { chromium: await launchStock('chromium'), firefox: await launchStock('firefox') };
  const results: Record<string, unknown> = {};
  try {
    for (const [stays, reloads] of DIRECTIONS) {
      const room = `${server.url}/${stays}-${reloads}`;
      const staying = await engines[stays].newPage(harness);
      const reloading = await engines[reloads].newPage(harness);
      await staying.evaluate(app.countPeerConnections, undefined);
      await staying.evaluate(app.startMesh, room);
      const connectMs: number[] = [];
      let splits = 0;
      for (let i = 0; i < RELOADS; i++) {
        await reloading.reload();
        const id = await reloading.evaluate(app.startMesh, room);
        const deadline = Date.now() + SPLIT_DEADLINE_MS;
        let linked = false;
        while (!linked && Date.now() < deadline) {
          linked = (await staying.evaluate(app.neighbourIds, undefined)).mesh.includes(id) && (await reloading.evaluate(app.connectMs, undefined)) !== undefined;
          if (!linked) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
        if (linked) connectMs.push(Math.round((await reloading.evaluate(app.connectMs, undefined))!));
        else splits += 1;
      }
      const name = `${stays} ← ${reloads}`;
      const peerConnectionsPerRejoin = Math.round((100 * (await staying.evaluate(app.peerConnectionsMade, undefined))) / RELOADS) / 100;
      results[name] = { reloads: RELOADS, splits, connectMs: { median: median(connectMs), p90: percentile(connectMs, 90), max: Math.max(...connectMs) }, samples: connectMs, peerConnectionsPerRejoin };
      console.log(
        `${name}: ${splits}/${RELOADS} split, connect median ${median(connectMs)} ms, p90 ${percentile(connectMs, 90)} ms, max ${Math.max(...connectMs)} ms; ` +
          `the staying page built ${peerConnectionsPerRejoin} peer connections per rejoin`,
      );
      await Promise.all([staying.close(), reloading.close()]);
    }
  } finally {
    await Promise.all(Object.values(engines).map((engine) => engine.close()));
    await server.close();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/cross-engine.json', `${JSON.stringify({ date: new Date().toISOString(), splitDeadlineMs: SPLIT_DEADLINE_MS, results }, null, 2)}\n`);
});
