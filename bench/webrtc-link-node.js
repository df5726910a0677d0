// DataChannelLink against a raw node-datachannel RTCDataChannel, two peers in one process, loopback.
// Run after `npm run build -w web2p`: node bench/webrtc-link-node.js
// Reports ratios against the raw channel measured in the same round (median of ROUNDS), as
// architecture.md asks: absolute numbers on this machine swing with load.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cleanup } from 'node-datachannel';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { openPeerConnection } from '../packages/web2p/dist/transport/webrtc/index.js';
import { rawDataChannelPair } from './raw-datachannel.js';

const ROUNDS = 3;
/** Large enough that connection set-up and ramp-up are noise. */
const STREAM_BYTES = 128 * 1024 * 1024;
const STREAM_MESSAGE = 64 * 1024;
const SMALL_COUNT = 200_000;
const SMALL_MESSAGE = 100;
/** The raw baseline pumps with the same marks an application would pick (as our constants do). */
const RAW_HIGH = 1024 * 1024;
const RAW_LOW = 256 * 1024;
const RESULT = new URL('./results/webrtc-node.json', import.meta.url);

async function linkPair() {
  const attempts = [];
  const side = (initiator, other) => ({
    RTCPeerConnection,
    configuration: {},
    initiator,
    sendSignal: (signal) => attempts[other].signal(signal),
  });
  attempts.push(openPeerConnection(side(true, 1)), openPeerConnection(side(false, 0)));
  const [a, b] = await Promise.all(attempts.map((attempt) => attempt.link));
  a.attach({ data: () => {}, close: () => {} });
  return { a, b, close: () => (a.close(), b.close()) };
}

/** Sends `count` messages of `size` bytes through a raw channel with the usual bufferedAmount pump. */
async function rawRun(size, count) {
  const { sender, receiver, close } = await rawDataChannelPair();
  const message = new Uint8Array(size);
  const total = size * count;
  let received = 0;
  const done = new Promise((resolve) => {
    receiver.onmessage = (e) => {
      received += e.data.byteLength;
      if (received >= total) resolve();
    };
  });
  let sent = 0;
  const pump = () => {
    while (sent < count && sender.bufferedAmount < RAW_HIGH) {
      sender.send(message);
      sent += 1;
    }
  };
  sender.bufferedAmountLowThreshold = RAW_LOW;
  sender.onbufferedamountlow = pump;
  const start = performance.now();
  pump();
  await done;
  const seconds = (performance.now() - start) / 1000;
  close();
  return seconds;
}

/** The same through a DataChannelLink, written the way a socket writes: send everything, no pump. */
async function linkRun(size, count) {
  const { a, b, close } = await linkPair();
  const message = new Uint8Array(size);
  const total = size * count;
  let received = 0;
  const done = new Promise((resolve) =>
    b.attach({
      data: (bytes) => {
        received += bytes.byteLength;
        if (received >= total) resolve();
      },
      close: () => {},
    }),
  );
  const start = performance.now();
  for (let i = 0; i < count; i++) a.send(message);
  await done;
  const seconds = (performance.now() - start) / 1000;
  close();
  return seconds;
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const streamCount = STREAM_BYTES / STREAM_MESSAGE;
  const raw = {
    streamMBps: STREAM_BYTES / 1e6 / (await rawRun(STREAM_MESSAGE, streamCount)),
    smallMsgsPerS: SMALL_COUNT / (await rawRun(SMALL_MESSAGE, SMALL_COUNT)),
  };
  const link = {
    streamMBps: STREAM_BYTES / 1e6 / (await linkRun(STREAM_MESSAGE, streamCount)),
    smallMsgsPerS: SMALL_COUNT / (await linkRun(SMALL_MESSAGE, SMALL_COUNT)),
  };
  rounds.push({ raw, link });
}

const summary = {};
for (const metric of ['streamMBps', 'smallMsgsPerS']) {
  summary[metric] = {
    raw: median(rounds.map((r) => r.raw[metric])),
    link: median(rounds.map((r) => r.link[metric])),
    ratio: median(rounds.map((r) => r.link[metric] / r.raw[metric])),
  };
}
const result = { name: 'webrtc-link-node', date: new Date().toISOString(), node: process.version, rounds, summary };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(RESULT, JSON.stringify(result, null, 2) + '\n');

const row = ({ raw, link, ratio }, digits) => ({
  raw: raw.toFixed(digits),
  link: link.toFixed(digits),
  ratio: ratio.toFixed(2),
});
console.table({
  '64 KiB stream (MB/s)': row(summary.streamMBps, 1),
  '100-byte msgs/s': row(summary.smallMsgsPerS, 0),
});
cleanup();
