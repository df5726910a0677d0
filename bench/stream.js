// bench:stream — sock.sendStream against a plain whisper loop with the same chunk size and the same
// backpressure (the sender keeps at most one window unacknowledged; the receiver acks each quarter
// window, as the stream service does), two Node peers over real WebRTC (node-datachannel) through
// a signaling server on 127.0.0.1, in one process. For each chunk size, the ratio of the two in the
// same round (median of ROUNDS): what the stream machinery costs over hand-rolled chunking, and
// which chunk size carries best over a data channel (STREAM_CHUNK_BYTES).
// Run: npm run bench:stream  (or node bench/stream.js --mib 64 --rounds 3)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cleanup } from 'node-datachannel';
import { MeshSocket, flags, nodeWebRtcTransport } from '../packages/web2p/dist/node/index.js';
import { STREAM_WINDOW_BYTES } from '../packages/web2p/dist/mesh/streams/constants.js';
import { streams } from '../packages/web2p/dist/streams/index.js';
import { startSignalingServer } from '../signaling-server/dist/index.js';
import { median, numberArg } from './lib.js';

const TOTAL = numberArg('mib', 64) * 1024 * 1024;
const ROUNDS = numberArg('rounds', 3);
const CHUNKS = [16 * 1024, 64 * 1024, 256 * 1024];
const WINDOW = STREAM_WINDOW_BYTES;
const DATA = 'bench:data';
const ACK = 'bench:ack';

async function pair(url, chunkBytes) {
  const make = () => new MeshSocket({ transport: nodeWebRtcTransport({}), streams: streams({ chunkBytes }) });
  const [a, b] = [make(), make()];
  await a.connect(url);
  await b.connect(url);
  const deadline = Date.now() + 20_000;
  while (!a.routingTable.has(b.id) || !b.routingTable.has(a.id)) {
    if (Date.now() > deadline) throw new Error('the two peers did not link within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { a, b, close: () => Promise.all([a.close(), b.close()]) };
}

/** The stream: generated chunks in, counted bytes out. Returns MB/s. */
async function streamRun({ a, b }, chunkBytes) {
  const chunk = new Uint8Array(chunkBytes);
  async function* source() {
    for (let sent = 0; sent < TOTAL; sent += chunkBytes) yield chunk;
  }
  const received = new Promise((resolve) =>
    b.once('stream', async (stream) => {
      let n = 0;
      const reader = stream.readable.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) n += next.value.length;
      resolve(n);
    }),
  );
  const started = performance.now();
  await a.sendStream(b.id, source());
  const n = await received;
  if (n !== TOTAL) throw new Error(`stream: ${n} of ${TOTAL} bytes`);
  return TOTAL / 1e6 / ((performance.now() - started) / 1000);
}

/** The baseline: whispers of one chunk each, credit as the stream service grants it. Returns MB/s. */
async function whisperRun({ a, b }, chunkBytes) {
  const chunk = new Uint8Array(chunkBytes);
  const toB = a.routingTable.get(b.id);
  let acked = 0;
  let wake;
  let consumed = 0;
  let lastAck = 0;
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const onB = (msg, conn) => {
    if (msg.packets[0] !== DATA) return false;
    consumed += msg.packets[1].length;
    if (consumed - lastAck >= WINDOW / 4 || consumed === TOTAL) conn.send(flags.whisper, ACK, (lastAck = consumed));
    if (consumed === TOTAL) finished();
    return true;
  };
  const onA = (msg, _conn) => {
    if (msg.packets[0] !== ACK) return false;
    acked = msg.packets[1];
    wake?.();
    return true;
  };
  b.registerHandler(onB);
  a.registerHandler(onA);
  const started = performance.now();
  for (let sent = 0; sent < TOTAL; sent += chunkBytes) {
    while (sent + chunkBytes - acked > WINDOW) await new Promise((resolve) => (wake = resolve));
    toB.send(flags.whisper, DATA, chunk);
  }
  await done;
  return TOTAL / 1e6 / ((performance.now() - started) / 1000);
}

const server = await startSignalingServer({ port: 0, host: '127.0.0.1' });
const results = [];
try {
  for (const chunkBytes of CHUNKS) {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh pair per round and kind: handlers added for the baseline stay with its sockets.
      const whisperPair = await pair(`${server.url}/w${chunkBytes}-${round}`, chunkBytes);
      const whisper = await whisperRun(whisperPair, chunkBytes);
      await whisperPair.close();
      const streamPair = await pair(`${server.url}/s${chunkBytes}-${round}`, chunkBytes);
      const stream = await streamRun(streamPair, chunkBytes);
      await streamPair.close();
      rounds.push({ whisper, stream, ratio: stream / whisper });
    }
    results.push({
      chunkKiB: chunkBytes / 1024,
      whisperMBps: +median(rounds.map((r) => r.whisper)).toFixed(1),
      streamMBps: +median(rounds.map((r) => r.stream)).toFixed(1),
      ratio: +median(rounds.map((r) => r.ratio)).toFixed(2),
      rounds,
    });
  }
} finally {
  await server.close();
  cleanup();
}

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/stream.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, totalBytes: TOTAL, windowBytes: WINDOW, rounds: ROUNDS, results }, null, 2) + '\n',
);
console.log(`${TOTAL / 2 ** 20} MiB over node-datachannel, window ${WINDOW / 1024} KiB, median of ${ROUNDS} rounds`);
console.log('chunk      whisper loop     sendStream    ratio');
for (const r of results) {
  console.log(`${`${r.chunkKiB} KiB`.padEnd(9)} ${`${r.whisperMBps} MB/s`.padStart(13)} ${`${r.streamMBps} MB/s`.padStart(14)} ${String(r.ratio).padStart(8)}`);
}
process.exit(0);
