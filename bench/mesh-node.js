// bench:mesh-node — MeshSocket in Node against its baselines, in one run, with one fairness:
// - TCP: a raw net.Socket pair, web2p's MeshSocket over TCP (the py2p wire, compression negotiated
//   as py2p does), and js2p@0.7.870's MeshSocket;
// - WebRTC: a raw node-datachannel RTCDataChannel pair, and MeshSocket over node-datachannel
//   (through a signaling server on loopback).
// Every sender keeps to the same backpressure where it has a signal (wait above 4 MiB held until 1 MiB:
// raw through write()/bufferedAmount, web2p through send()/whenWritable(); js2p has none and queues).
// Payloads are random (incompressible, as media or ciphertext: the case compression must not slow
// down), numbered and checked on arrival (order, loss, bytes). A warm-up goes first; each round
// measures every system in a rotating order, and ratios are taken within the round.
// Usage: npm run bench:mesh-node [-- --rounds 3 --big 400 --small 50000 --js2p-scale 0.05]
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect as netConnect } from 'node:net';
import { cleanup } from 'node-datachannel';
import { MeshSocket, flags, nodeWebRtcTransport, tcpTransport } from '../packages/web2p/dist/node/index.js';
import { startSignalingServer } from '../signaling-server/dist/index.js';
import { median, numberArg } from './lib.js';
import { rawDataChannelPair } from './raw-datachannel.js';

const js2p = createRequire(import.meta.url)('js2p');
const ROUNDS = numberArg('rounds', 3);
const BIG = 64 * 1024;
const SMALL = 100;
const BIG_COUNT = numberArg('big', 400);
const SMALL_COUNT = numberArg('small', 50_000);
/** js2p moves ~1.5 MB/s and a few thousand messages/s: it gets this share of the counts. */
const JS2P_SCALE = numberArg('js2p-scale', 0.05);
const WARM = 0.1;
const MIB = 1024 * 1024;
const HIGH = 4 * MIB;
const LOW = 1 * MIB;
const HOST = '127.0.0.1';
/** A phase that has not delivered everything by then is reported as stuck, not waited on forever. */
const PHASE_DEADLINE_MS = numberArg('deadline', 120_000);

// ------------------------------------------------------------------ payloads and checks

const tails = { [BIG]: randomBytes(BIG - 4), [SMALL]: randomBytes(SMALL - 4) };
function payload(size, seq) {
  const bytes = Buffer.allocUnsafe(size);
  bytes.writeUInt32LE(seq, 0);
  tails[size].copy(bytes, 4);
  return bytes;
}

/** Counts what arrives and checks each message: sequence in order, bytes as sent. */
function receiver(size) {
  const state = { count: 0, errors: 0, waiters: [] };
  state.take = (bytes) => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length !== size || buf.readUInt32LE(0) !== state.count || buf.compare(tails[size], 0, size - 4, 4) !== 0) state.errors++;
    state.count++;
    for (const w of state.waiters.splice(0)) w();
  };
  state.until = (n) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stuck: ${state.count} of ${n} messages arrived in ${PHASE_DEADLINE_MS} ms`)), PHASE_DEADLINE_MS);
      const check = () => (state.count >= n ? (clearTimeout(timer), resolve()) : state.waiters.push(check));
      check();
    });
  return state;
}

// ------------------------------------------------------------------ systems: each gives { send(bytes) → wait|undefined, onMessage, close }

async function rawTcp() {
  let onMessage = () => {};
  let size = 0;
  let pending = Buffer.alloc(0);
  const server = createServer((socket) =>
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (; pending.length - at >= size; at += size) onMessage(pending.subarray(at, at + size));
      pending = pending.subarray(at);
    }),
  );
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const client = netConnect(server.address().port, HOST);
  client.setNoDelay(true);
  await new Promise((resolve) => client.once('connect', resolve));
  return {
    expect(bytes, fn) {
      size = bytes;
      onMessage = fn;
    },
    send: (bytes) => (client.write(bytes) ? undefined : new Promise((resolve) => client.once('drain', resolve))),
    close: () => (client.destroy(), server.close()),
  };
}

async function rawRtc() {
  const { sender, receiver: channel, close } = await rawDataChannelPair();
  sender.bufferedAmountLowThreshold = LOW;
  return {
    expect(_size, fn) {
      channel.onmessage = (e) => fn(new Uint8Array(e.data));
    },
    send(bytes) {
      sender.send(bytes);
      return sender.bufferedAmount > HIGH ? new Promise((resolve) => sender.addEventListener('bufferedamountlow', resolve, { once: true })) : undefined;
    },
    close,
  };
}

/** Two MeshSockets made by `make`, b connected to a by `join`; a whispers to b. */
async function web2pPair(make, join) {
  const [a, b] = [make(), make()];
  await Promise.all([a.listening, b.listening]);
  let onMessage = () => {};
  b.registerHandler((msg, _conn) => (onMessage(msg.packets[1]), true));
  // a sends, so a must have b in its routing table (and b a, to take its whispers)
  const peered = Promise.all([a, b].map((sock) => new Promise((resolve) => sock.once('peer', resolve))));
  await join(a, b);
  await peered;
  return {
    expect(_size, fn) {
      onMessage = fn;
    },
    send: (bytes) => (a.send(bytes, { flag: flags.whisper, type: flags.whisper }) ? undefined : a.whenWritable(LOW)),
    close: () => Promise.all([a.close(), b.close()]),
  };
}

/**
 * What each MeshSocket of the bench may hold for its peer: the same send marks as the baselines'.
 * The message budget is the default (node-limits.ts): senders pace themselves to it (§14.19).
 */
const BENCH_LIMITS = { sendHighWaterBytes: HIGH, sendLowWaterBytes: LOW };

const web2pTcp = () =>
  web2pPair(
    () => new MeshSocket({ transport: tcpTransport({ listen: { host: HOST, port: 0 } }), limits: BENCH_LIMITS }),
    (a, b) => b.connect(a.address),
  );

let signaling;
const web2pRtc = async () => {
  signaling ??= await startSignalingServer({ port: 0, host: HOST });
  const room = `${signaling.url}/bench-${Math.random().toString(36).slice(2)}`;
  return web2pPair(
    () => new MeshSocket({ transport: nodeWebRtcTransport({ iceServers: [] }), limits: BENCH_LIMITS }),
    async (a, b) => {
      await a.connect(room);
      await b.connect(room);
    },
  );
};

async function js2pTcp() {
  const ports = [];
  for (let i = 0; i < 2; i++) {
    const probe = createServer();
    await new Promise((resolve) => probe.listen(0, HOST, resolve));
    ports.push(probe.address().port);
    await new Promise((resolve) => probe.close(resolve));
  }
  const [a, b] = ports.map((port) => new js2p.mesh.MeshSocket(HOST, port, new js2p.base.Protocol('mesh', 'Plaintext')));
  let onMessage = () => {};
  b.on('message', () => {
    for (let msg = b.recv(); msg; msg = b.recv()) onMessage(msg.packets[1]);
  });
  b.connect(HOST, ports[0]);
  while (a.routing_table.size === 0 || b.routing_table.size === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    expect(_size, fn) {
      onMessage = fn;
    },
    send(bytes) {
      a.send([bytes], js2p.base.flags.whisper, js2p.base.flags.whisper);
    },
    close() {
      for (const sock of [a, b]) {
        for (const conn of [...sock.routing_table.values(), ...sock.awaiting_ids]) conn.sock.destroy?.();
        sock.close();
      }
    },
  };
}

const SYSTEMS = { 'raw tcp': rawTcp, 'web2p tcp': web2pTcp, 'js2p tcp': js2pTcp, 'raw webrtc': rawRtc, 'web2p webrtc': web2pRtc };
const BASELINE = { 'web2p tcp': 'raw tcp', 'js2p tcp': 'raw tcp', 'web2p webrtc': 'raw webrtc' };

// ------------------------------------------------------------------ one run

/** Messages per second of `size` bytes from a to b, after a warm-up, with every message checked. */
async function rate(system, size, count) {
  const warm = Math.max(1, Math.round(count * WARM));
  const check = receiver(size);
  system.expect(size, check.take);
  const pump = async (from, to) => {
    for (let seq = from; seq < to; seq++) {
      const wait = system.send(payload(size, seq));
      if (wait) await wait;
    }
  };
  await pump(0, warm);
  await check.until(warm);
  const started = performance.now();
  await pump(warm, warm + count);
  await check.until(warm + count);
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, errors: check.errors };
}

async function measure(name) {
  const system = await SYSTEMS[name]();
  const scale = name.startsWith('js2p') ? JS2P_SCALE : 1;
  const big = await rate(system, BIG, Math.max(4, Math.round(BIG_COUNT * scale)));
  const small = await rate(system, SMALL, Math.max(50, Math.round(SMALL_COUNT * scale)));
  await system.close();
  return { mbPerSecond: (big.perSecond * BIG) / 1e6, smallPerSecond: small.perSecond, errors: big.errors + small.errors };
}

const names = Object.keys(SYSTEMS);
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const figures = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    process.stdout.write(`  ${name}…`);
    figures[name] = await measure(name);
    process.stdout.write(` ${figures[name].mbPerSecond.toFixed(1)} MB/s\n`);
  }
  rounds.push(figures);
  console.log(`round ${round + 1}: ${names.map((n) => `${n} ${figures[n].mbPerSecond.toFixed(1)} MB/s ${figures[n].smallPerSecond.toFixed(0)}/s`).join(' | ')}`);
}
await signaling?.close();
cleanup();

const spread = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
const summary = {};
for (const name of names) {
  const base = BASELINE[name];
  summary[name] = {
    mbPerSecond: spread(rounds.map((r) => r[name].mbPerSecond)),
    smallPerSecond: spread(rounds.map((r) => r[name].smallPerSecond)),
    errors: rounds.reduce((n, r) => n + r[name].errors, 0),
    ...(base && {
      throughputRatio: spread(rounds.map((r) => r[name].mbPerSecond / r[base].mbPerSecond)),
      smallRatio: spread(rounds.map((r) => r[name].smallPerSecond / r[base].smallPerSecond)),
    }),
  };
}
const web2pOverJs2p = {
  throughput: spread(rounds.map((r) => r['web2p tcp'].mbPerSecond / r['js2p tcp'].mbPerSecond)),
  small: spread(rounds.map((r) => r['web2p tcp'].smallPerSecond / r['js2p tcp'].smallPerSecond)),
};
const result = { date: new Date().toISOString(), node: process.version, rounds: ROUNDS, counts: { BIG_COUNT, SMALL_COUNT, JS2P_SCALE }, summary, web2pOverJs2p, perRound: rounds };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/mesh-node.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');

const cell = (s, d) => (s ? `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})` : '—');
console.log(`\nmedian (min–max) of ${ROUNDS} rounds; ratios to the raw baseline of the same transport and round`);
console.log(`${'system'.padEnd(14)}${'64 KiB MB/s'.padEnd(22)}${'ratio'.padEnd(20)}${'100 B msgs/s'.padEnd(26)}${'ratio'.padEnd(20)}checks`);
for (const name of names) {
  const s = summary[name];
  console.log(`${name.padEnd(14)}${cell(s.mbPerSecond, 1).padEnd(22)}${cell(s.throughputRatio, 2).padEnd(20)}${cell(s.smallPerSecond, 0).padEnd(26)}${cell(s.smallRatio, 2).padEnd(20)}${s.errors} bad`);
}
console.log(`web2p tcp / js2p tcp: 64 KiB ${cell(web2pOverJs2p.throughput, 1)}×, 100 B ${cell(web2pOverJs2p.small, 1)}×`);
