#!/usr/bin/env node
/**
 * What signed state (issue 15) costs: SyncSocket set→replica latency and ChordSocket set/get latency
 * between two Node peers on real TCP over loopback, for this build and, in the same run and
 * interleaved round by round, for a build from before (`--before DIR`: the `dist` of an earlier
 * web2p, e.g. `git archive <commit> packages/web2p tsconfig.json | tar -x -C /tmp/before`, link
 * node_modules, `npx tsc -p /tmp/before/packages/web2p/tsconfig.build.json`). Also the cost of one
 * Ed25519 signature and verification. Writes bench/results/signed-state.json and prints a table.
 *
 *   npm run build -w web2p && node bench/signed-state.js --before /tmp/before/packages/web2p/dist [--writes 200]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    writes: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '4' },
  },
});
const writes = Number(values.writes);
const rounds = Number(values.rounds);
const builds = [['after', join(here, '../packages/web2p/dist')]];
if (values.before) builds.unshift(['before', resolve(values.before)]);

const libs = new Map();
for (const [name, dir] of builds) libs.set(name, await import(pathToFileURL(join(dir, 'node/index.js')).href));

const samples = new Map(builds.map(([name]) => [name, { sync: [], chordSet: [], chordGet: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const [name] of builds) {
    const lib = libs.get(name);
    const into = samples.get(name);
    into.sync.push(...(await syncLatency(lib, Math.ceil(writes / rounds))));
    const chord = await chordLatency(lib, Math.ceil(writes / rounds));
    into.chordSet.push(...chord.set);
    into.chordGet.push(...chord.get);
  }
}
const crypto = await cryptoCost();

const results = [...samples].map(([name, s]) => ({
  build: name,
  syncSetToReplicaMs: summary(s.sync),
  chordSetMs: summary(s.chordSet),
  chordGetMs: summary(s.chordGet),
}));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'signed-state.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, writes, rounds, crypto, results }, null, 2) + '\n',
);
printTable(results, crypto);

/** Wall ms from `set` on one peer to the other's 'update', `count` times, over TCP on loopback. */
async function syncLatency(lib, count) {
  const a = new lib.SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
  const b = new lib.SyncSocket({ listen: { host: '127.0.0.1', port: 0 } });
  await Promise.all([a.listening, b.listening]);
  await a.connect(b.address);
  await until(() => a.routingTable.has(b.id) && b.routingTable.has(a.id));
  const out = [];
  for (let i = 0; i < count; i++) {
    const key = `k${i}`;
    const arrived = new Promise((done) => b.on('update', (k) => k === key && done()));
    const started = performance.now();
    a.set(key, { i, text: 'a value of ordinary size, some fifty bytes long' });
    await arrived;
    out.push(performance.now() - started);
  }
  await a.close();
  await b.close();
  return out;
}

/** Wall ms of `set` and of `get` on a two-node ring, each routed to the key's node and back. */
async function chordLatency(lib, count) {
  const a = new lib.ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, replicas: 1 });
  const b = new lib.ChordSocket({ listen: { host: '127.0.0.1', port: 0 }, replicas: 1 });
  await Promise.all([a.listening, b.listening]);
  await a.connect(b.address);
  await a.join();
  await b.join();
  const out = { set: [], get: [] };
  for (let i = 0; i < count; i++) {
    let started = performance.now();
    await a.set(`k${i}`, { i });
    out.set.push(performance.now() - started);
    started = performance.now();
    await b.get(`k${i}`);
    out.get.push(performance.now() - started);
  }
  await a.close();
  await b.close();
  return out;
}

/**
 * Ed25519 sign and verify of a sync record's signed bytes, in µs each, and the signing work of one
 * chord write and one chord read (PROTOCOL.md §14.18; this build's code): a write is the writer's
 * record signature, its check on the key's node, the node's signed acknowledgement and its check
 * at the writer (each replica checks the record once more); a read is the node's signed answer and
 * the reader's checks of it and of the record.
 */
async function cryptoCost() {
  const dist = join(here, '../packages/web2p/dist');
  const identity = await import(pathToFileURL(join(dist, 'identity/identity.js')).href);
  const proof = await import(pathToFileURL(join(dist, 'sync/record-proof.js')).href);
  const { systemRandom } = await import(pathToFileURL(join(dist, 'runtime/random.js')).href);
  const id = identity.createIdentity(systemRandom);
  const owner = identity.nodeIdOf(id.publicKey, 'bench');
  const key = new TextEncoder().encode('key');
  const n = 200;
  let started = performance.now();
  const proofs = [];
  for (let i = 0; i < n; i++) proofs.push(proof.signRecord(id, 'bench', key, { i }, i));
  const signUs = ((performance.now() - started) / n) * 1000;
  started = performance.now();
  // Distinct records each time: the verification cache must not answer.
  for (let i = 0; i < n; i++) if (!proof.verifyRecord(proofs[i], owner, 'bench', key, { i }, i)) throw new Error('bad signature');
  const verifyUs = ((performance.now() - started) / n) * 1000;
  return { signUs: Math.round(signUs), verifyUs: Math.round(verifyUs), ...(await chordCryptoCost(dist, identity, id, n)) };
}

/** µs of crypto per chord write and per chord read (see cryptoCost), over distinct records. */
async function chordCryptoCost(dist, identity, id, n) {
  const chord = await import(pathToFileURL(join(dist, 'chord/record-proof.js')).href);
  const context = { wireProtocolId: 'bench6', idProtocolId: 'bench' };
  const writer = identity.nodeIdOf(id.publicKey, 'bench');
  const responder = { id: writer, position: 1, addr: ['127.0.0.1', 1] };
  const key = new TextEncoder().encode('key');
  let started = performance.now();
  for (let i = 0; i < n; i++) {
    const record = chord.signRecord(id, context, { key, version: 1_000_000 + i, writer, value: { i } });
    if (!chord.verifyRecord(context, record)) throw new Error('bad record signature');
    const ack = chord.signAnswer(id, context, { id: `w${i}`, hops: 1, responder, status: 'ok', value: chord.storedSummary(record) }, key);
    if (!chord.verifyAnswer(context, ack, key)) throw new Error('bad ack signature');
  }
  const chordWriteUs = ((performance.now() - started) / n) * 1000;
  // Records the reader has not checked before (signed outside the timing), as on another machine.
  const stored = Array.from({ length: n }, (_, i) => chord.signRecord(id, context, { key, version: 2_000_000 + i, writer, value: { i } }));
  started = performance.now();
  for (let i = 0; i < n; i++) {
    const answer = chord.signAnswer(id, context, { id: `r${i}`, hops: 1, responder, status: 'ok', value: i }, key);
    if (!chord.verifyAnswer(context, answer, key) || !chord.verifyRecord(context, stored[i])) throw new Error('bad read signature');
  }
  const chordReadUs = ((performance.now() - started) / n) * 1000;
  return { chordWriteUs: Math.round(chordWriteUs), chordReadUs: Math.round(chordReadUs) };
}

async function until(predicate, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('bench: peers did not link');
    await new Promise((done) => setTimeout(done, 5));
  }
}

function summary(list) {
  const sorted = [...list].sort((x, y) => x - y);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}

function printTable(rows, cost) {
  console.log(`Ed25519 on this machine: sign ${cost.signUs} µs, verify ${cost.verifyUs} µs (one of each per sync record written and received)`);
  console.log(`chord crypto: ${cost.chordWriteUs} µs per write (2 signatures, 2 checks), ${cost.chordReadUs} µs per read (1 signature, 2 checks)`);
  console.log('build    sync set→replica p50/p99 ms   chord set p50/p99 ms   chord get p50/p99 ms');
  for (const r of rows) {
    const cell = (s) => `${s.p50} / ${s.p99}`.padEnd(23);
    console.log(`${r.build.padEnd(8)} ${cell(r.syncSetToReplicaMs)}       ${cell(r.chordSetMs)}${cell(r.chordGetMs)}`);
  }
  const [before, after] = rows;
  if (after) {
    console.log(`after / before (p50): sync ${(after.syncSetToReplicaMs.p50 / before.syncSetToReplicaMs.p50).toFixed(2)}×, ` +
      `chord set ${(after.chordSetMs.p50 / before.chordSetMs.p50).toFixed(2)}×, chord get ${(after.chordGetMs.p50 / before.chordGetMs.p50).toFixed(2)}×`);
  }
}
