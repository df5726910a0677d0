#!/usr/bin/env node
/**
 * What the identity proof (PROTOCOL.md §14.14) costs a connection, before and after in one run
 * (`npm run bench:handshake -- [--pairs N] [--rounds N] [--baseline DIR]`):
 *
 * - loopback TCP: wall ms from `connect()` until both routing tables hold the other, for pairs of
 *   Node MeshSockets, the proof on (trust: 'strict');
 * - the same on the simulated network with 20 ms links, in virtual ms: the round trips, exactly;
 * - the CPU of the proof alone: an Ed25519 sign and verify in browsers' and in Node's implementation,
 *   and a key pair per socket.
 *
 * With `--baseline DIR` (a web2p package built from a commit before identities, e.g.
 * `git archive 2e10d80 packages/web2p | tar -x -C /tmp/before && ln -s "$PWD/node_modules"
 * /tmp/before/node_modules && (cd /tmp/before/packages/web2p && npx tsc -p tsconfig.build.json)`,
 * then `--baseline /tmp/before/packages/web2p`) the same pairs are made with it in alternating
 * rounds, and the table gives after/before ratios. Writes bench/results/handshake.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createIdentity, systemRandom } from '../packages/web2p/dist/index.js';
import { sign, verifySignature } from '../packages/web2p/dist/identity/identity.js';
import { nativeEd25519 } from '../packages/web2p/dist/node/native-ed25519.js';
import { median, percentile } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const rounds = Number(values.rounds);
/** Simulated link latency: a connection's virtual time is a count of these. */
const SIM_LATENCY_MS = 20;

const implementations = [{ name: 'after', ...(await load('../packages/web2p/dist')) }];
if (values.baseline) implementations.unshift({ name: 'before', ...(await load(resolve(values.baseline, 'dist'))) });

const tcp = Object.fromEntries(implementations.map((impl) => [impl.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const impl of implementations) tcp[impl.name].push(...(await tcpConnects(impl.node.MeshSocket, pairs)));
}
const sim = Object.fromEntries(await Promise.all(implementations.map(async (impl) => [impl.name, await simConnect(impl)])));
const crypto = proofCpu();

const results = {
  tcp: Object.fromEntries(Object.entries(tcp).map(([name, ms]) => [name, { p50: median(ms), p99: percentile(ms, 99), n: ms.length }])),
  simVirtualMs: sim,
  cpuMs: crypto,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'handshake.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, pairs, rounds, simLatencyMs: SIM_LATENCY_MS, results }, null, 2) + '\n',
);
printTable(results);

async function load(dist) {
  const base = pathToFileURL(resolve(here, dist) + '/').href;
  return { node: await import(base + 'node/index.js'), sim: await import(base + 'sim/index.js') };
}

/** Wall ms per pair from connect() until both tables hold the other, over loopback TCP. */
async function tcpConnects(MeshSocket, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const a = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, maxOutgoing: 0 });
    const b = new MeshSocket({ listen: { host: '127.0.0.1', port: 0 }, maxOutgoing: 0 });
    await Promise.all([a.listening, b.listening]);
    const started = performance.now();
    await b.connect(a.address);
    await until(() => a.routingTable.has(b.id) && b.routingTable.has(a.id));
    times.push(performance.now() - started);
    await Promise.all([a.close(), b.close()]);
  }
  return times;
}

/** Virtual ms for one connect() on links of SIM_LATENCY_MS, and until the acceptor holds the dialler. */
async function simConnect(impl) {
  const net = new impl.sim.SimNetwork({ seed: 7, latencyMs: [SIM_LATENCY_MS, SIM_LATENCY_MS] });
  const a = new impl.node.MeshSocket({ transport: net.transport(), maxOutgoing: 0 });
  const b = new impl.node.MeshSocket({ transport: net.transport(), maxOutgoing: 0 });
  const started = net.clock.now();
  let acceptorHolds;
  a.on('peer', () => (acceptorHolds ??= net.clock.now() - started));
  await b.connect(a.address);
  return { connect: net.clock.now() - started, acceptorHolds };
}

/**
 * The proof's CPU: one sign and one verify per side of a link (browsers: @noble/curves; Node:
 * OpenSSL, node/native-ed25519.ts), and one key pair per socket.
 */
function proofCpu() {
  const identity = createIdentity(systemRandom);
  const transcript = systemRandom.bytes(200);
  const n = 200;
  const time = (fn) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t) / n;
  };
  const cost = ({ sign: signWith, verify }) => {
    const signature = signWith(identity, transcript);
    const s = time(() => signWith(identity, transcript));
    const v = time(() => verify(identity.publicKey, transcript, signature));
    return { sign: s, verify: v, perLinkSide: s + v };
  };
  return { browser: cost({ sign, verify: verifySignature }), node: cost(nativeEd25519), keyPair: time(() => createIdentity(systemRandom)) };
}

async function until(done) {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

function printTable({ tcp, simVirtualMs, cpuMs }) {
  const fmt = (x) => (x === undefined ? '–' : x.toFixed(2));
  console.log('\nconnect() until both routing tables hold the link (Node peers)');
  console.log('| setup | ' + Object.keys(tcp).join(' | ') + (tcp.before ? ' | after/before |' : ' |'));
  console.log('|---|' + Object.keys(tcp).map(() => '---|').join('') + (tcp.before ? '---|' : ''));
  const ratio = (a, b) => (a !== undefined && b ? ` ${(a / b).toFixed(2)} |` : '');
  const row = (label, pick) => {
    const cells = Object.values(tcp).map((v) => fmt(pick(v)));
    console.log(`| ${label} | ${cells.join(' | ')} |${tcp.before ? ratio(pick(tcp.after), pick(tcp.before)) : ''}`);
  };
  row('loopback TCP p50, wall ms', (v) => v.p50);
  row('loopback TCP p99, wall ms', (v) => v.p99);
  const simRow = (label, pick) =>
    console.log(`| ${label} | ${Object.values(simVirtualMs).map((v) => fmt(pick(v))).join(' | ')} |${simVirtualMs.before ? ratio(pick(simVirtualMs.after), pick(simVirtualMs.before)) : ''}`);
  simRow(`sim ${SIM_LATENCY_MS} ms links: connect(), virtual ms`, (v) => v.connect);
  simRow(`sim ${SIM_LATENCY_MS} ms links: acceptor holds the dialler`, (v) => v.acceptorHolds);
  for (const [platform, c] of [['browser (@noble/curves)', cpuMs.browser], ['Node (OpenSSL)', cpuMs.node]]) {
    console.log(`proof CPU, ${platform}: sign ${fmt(c.sign)} ms, verify ${fmt(c.verify)} ms, per link side ${fmt(c.perLinkSide)} ms`);
  }
  console.log(`key pair per socket: ${fmt(cpuMs.keyPair)} ms`);
}
