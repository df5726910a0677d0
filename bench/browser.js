// bench:browser — two Chromium pages, in one run: a raw RTCDataChannel against MeshSocket whispers
// over WebRTC. 64 KiB throughput, 100-byte messages per second, ping-pong RTT; ratios web2p/raw.
// Median of --rounds (default 3). Writes bench/results/browser.json and prints a table.
// Needs Chromium (CHROMIUM_PATH, else on PATH: test/executables.js) and the harness page: `npm run bench:browser` builds it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { TOOLS, requireExecutable } from '../test/executables.js';
import { startSignalingServer } from '../signaling-server/dist/index.js';
import { median, numberArg } from './lib.js';

const ROUNDS = numberArg('rounds', 3);
const BIG = 64 * 1024;
const BIG_COUNT = numberArg('big', 256); // 16 MiB per throughput run
const SMALL = 100;
const SMALL_COUNT = numberArg('small', 20_000);
const PINGS = numberArg('pings', 500);

const server = await startSignalingServer({ port: 0, host: '127.0.0.1', staticDir: 'test/e2e/harness/dist' });
const httpUrl = server.url.replace(/^ws/, 'http');
const browser = await chromium.launch({
  executablePath: requireExecutable(TOOLS.chromium),
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ],
});

async function openPage() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${httpUrl}/index.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return page;
}

/** Each page keeps one "endpoint" on window.bench: send(bytes), a byte counter, and an echo switch. */
const endpointApi = () => {
  window.bench = {
    received: 0,
    count: 0,
    echo: false,
    waiters: [],
    onBytes(bytes) {
      this.received += bytes.length;
      this.count++;
      if (this.echo) this.send(bytes);
      for (const w of this.waiters.splice(0)) w();
    },
    until(predicate) {
      return new Promise((resolve) => {
        const check = () => (predicate(this) ? resolve() : this.waiters.push(check));
        check();
      });
    },
    reset() {
      this.received = 0;
      this.count = 0;
    },
  };
};

async function rawPair() {
  const [a, b] = [await openPage(), await openPage()];
  for (const page of [a, b]) await page.evaluate(endpointApi);
  const complete = (pc) =>
    new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      else pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
  const offer = await a.evaluate(async (completeSrc) => {
    const complete = eval(completeSrc);
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('raw', { ordered: true });
    window.rawPc = pc;
    window.rawChannel = channel;
    await pc.setLocalDescription(await pc.createOffer());
    await complete(pc);
    return pc.localDescription.toJSON();
  }, `(${complete})`);
  const answer = await b.evaluate(async ({ offer, completeSrc }) => {
    const complete = eval(completeSrc);
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.rawPc = pc;
    pc.addEventListener('datachannel', (event) => (window.rawChannel = event.channel));
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await complete(pc);
    return pc.localDescription.toJSON();
  }, { offer, completeSrc: `(${complete})` });
  await a.evaluate((answer) => window.rawPc.setRemoteDescription(answer), answer);
  for (const page of [a, b]) {
    await page.waitForFunction(() => window.rawChannel?.readyState === 'open');
    await page.evaluate(() => {
      const channel = window.rawChannel;
      channel.binaryType = 'arraybuffer';
      channel.bufferedAmountLowThreshold = 256 * 1024;
      channel.onmessage = (event) => window.bench.onBytes(new Uint8Array(event.data));
      // the raw baseline gets the same backpressure a careful application would write
      window.bench.send = (bytes) => channel.send(bytes);
      window.bench.sendAll = async (make, n) => {
        for (let i = 0; i < n; i++) {
          if (channel.bufferedAmount > 1024 * 1024) {
            await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }));
          }
          channel.send(make(i));
        }
      };
    });
  }
  return [a, b];
}

async function meshPair() {
  const [a, b] = [await openPage(), await openPage()];
  const url = `${server.url}/bench-${Math.random().toString(36).slice(2)}`;
  for (const page of [a, b]) {
    await page.evaluate(endpointApi);
    await page.evaluate(async (url) => {
      const { MeshSocket, flags } = window.web2p;
      const sock = new MeshSocket({ iceServers: [] });
      window.sock = sock;
      sock.registerHandler((msg, conn) => {
        const bytes = msg.packets[1];
        if (!(bytes instanceof Uint8Array)) return false;
        window.bench.onBytes(bytes);
        return true; // claimed: the recv queue is not part of this measurement
      });
      window.bench.send = (bytes) => sock.send(bytes, { flag: flags.whisper, type: flags.whisper });
      // MeshSocket queues and applies backpressure itself: the application just sends
      window.bench.sendAll = async (make, n) => {
        for (let i = 0; i < n; i++) window.bench.send(make(i));
      };
      await sock.connect(url);
    }, url);
  }
  const ids = await Promise.all([a, b].map((p) => p.evaluate(() => window.sock.id)));
  await a.waitForFunction((id) => window.sock.routingTable.has(id), ids[1]);
  await b.waitForFunction((id) => window.sock.routingTable.has(id), ids[0]);
  return [a, b];
}

/** MB/s (or messages/s) from a's first send to b having everything. */
async function stream(a, b, size, n) {
  await b.evaluate(() => window.bench.reset());
  const started = performance.now();
  await a.evaluate(({ size, n }) => {
    const payload = new Uint8Array(size);
    crypto.getRandomValues(payload.subarray(0, Math.min(size, 65536)));
    void window.bench.sendAll(() => payload, n);
  }, { size, n });
  await b.evaluate((total) => window.bench.until((bench) => bench.received >= total), size * n);
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: n / seconds, mbPerSecond: (size * n) / seconds / 1e6 };
}

async function rtt(a, b, pings) {
  await b.evaluate(() => {
    window.bench.echo = true;
  });
  const median = await a.evaluate(async (pings) => {
    const times = [];
    const ping = new Uint8Array(8);
    for (let i = 0; i < pings; i++) {
      const before = window.bench.count;
      const t0 = performance.now();
      window.bench.send(ping);
      await window.bench.until((bench) => bench.count > before);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    return times[Math.floor(times.length / 2)];
  }, pings);
  await b.evaluate(() => {
    window.bench.echo = false;
  });
  return median;
}

async function measure(makePair) {
  const [a, b] = await makePair();
  const big = await stream(a, b, BIG, BIG_COUNT);
  const small = await stream(a, b, SMALL, SMALL_COUNT);
  const rttMs = await rtt(a, b, PINGS);
  await a.context().close();
  await b.context().close();
  return { throughputMBps: big.mbPerSecond, smallMsgsPerSecond: small.perSecond, rttMedianMs: rttMs };
}

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  // alternate the order so neither side always runs on a warmer machine
  const [first, second] = round % 2 ? [meshPair, rawPair] : [rawPair, meshPair];
  const one = await measure(first);
  const two = await measure(second);
  const raw = round % 2 ? two : one;
  const web2p = round % 2 ? one : two;
  rounds.push({ raw, web2p });
  console.log(`round ${round + 1}: raw ${JSON.stringify(raw)} web2p ${JSON.stringify(web2p)}`);
}
await browser.close();
await server.close();

const pick = (side, key) => median(rounds.map((r) => r[side][key]));
const result = {
  rounds: ROUNDS,
  messages: { bigBytes: BIG, bigCount: BIG_COUNT, smallBytes: SMALL, smallCount: SMALL_COUNT, pings: PINGS },
  raw: { throughputMBps: pick('raw', 'throughputMBps'), smallMsgsPerSecond: pick('raw', 'smallMsgsPerSecond'), rttMedianMs: pick('raw', 'rttMedianMs') },
  web2p: { throughputMBps: pick('web2p', 'throughputMBps'), smallMsgsPerSecond: pick('web2p', 'smallMsgsPerSecond'), rttMedianMs: pick('web2p', 'rttMedianMs') },
  ratios: {
    throughput: median(rounds.map((r) => r.web2p.throughputMBps / r.raw.throughputMBps)),
    smallMessages: median(rounds.map((r) => r.web2p.smallMsgsPerSecond / r.raw.smallMsgsPerSecond)),
    rttOverheadMs: median(rounds.map((r) => r.web2p.rttMedianMs - r.raw.rttMedianMs)),
  },
  targets: { throughputRatio: 0.9, smallMessagesRatio: 0.7, rttOverheadMsMax: 0.2 },
  perRound: rounds,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/browser.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
const f = (x, d = 2) => x.toFixed(d);
console.log(`\n${'measure'.padEnd(22)}${'raw'.padStart(12)}${'web2p'.padStart(12)}${'ratio'.padStart(10)}  target`);
console.log(`${'64 KiB MB/s'.padEnd(22)}${f(result.raw.throughputMBps).padStart(12)}${f(result.web2p.throughputMBps).padStart(12)}${f(result.ratios.throughput).padStart(10)}  >= 0.9`);
console.log(`${'100 B msgs/s'.padEnd(22)}${f(result.raw.smallMsgsPerSecond, 0).padStart(12)}${f(result.web2p.smallMsgsPerSecond, 0).padStart(12)}${f(result.ratios.smallMessages).padStart(10)}  >= 0.7`);
console.log(`${'RTT median ms'.padEnd(22)}${f(result.raw.rttMedianMs, 3).padStart(12)}${f(result.web2p.rttMedianMs, 3).padStart(12)}${('+' + f(result.ratios.rttOverheadMs, 3)).padStart(10)}  overhead <= 0.2 ms`);
