#!/usr/bin/env node
/**
 * ChordSocket lookups on simulated rings (`node bench/chord.js [--sizes 64,256,1024] [--k 16]
 * [--replicas 5] [--keys 1000] [--lookups 2000] [--seed N]`; build web2p first). For each ring size:
 * build the ring, let finger tables fill, write the keys, then time random lookups from random
 * nodes (routed requests per lookup, success, virtual latency), crash 10% of the storing nodes,
 * let the ring repair and read every key back, then crash more up to 25% in all and read again.
 * Latency is virtual time on the simulator's 5–40 ms links; the wall time of each phase is
 * reported too. Writes bench/results/chord.json and prints a table.
 *
 * Replicas default to 5 here, not the library's 3: a key survives a crash unless all its 1 + r
 * holders (consecutive nodes) die before re-replication, so the share of keys lost when a random
 * quarter crashes at once is about 0.25**(1 + r): 0.4% for r = 3, 0.1% for r = 4, 0.02% for r = 5.
 * The target of ≥ 99.9% after the 25% crash needs r ≥ 5 to hold with a margin; pass --replicas 3
 * to see the default's figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ChordSocket, SeededRandom } from '../packages/web2p/dist/index.js';
import { SimNetwork } from '../packages/web2p/dist/sim/index.js';
import { percentile } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Joins in flight at once while building: a busy ring still settles, and the build stays quick. */
const JOIN_BATCH = 32;
/** Lookups (or writes) in flight at once. */
const REQUEST_BATCH = 250;
/** Virtual time for the finger tables to fill: one distant finger per 2 s round, log2(N) of them. */
const FINGER_FILL_MS = 40_000;
/** After the ring is whole again, one more stretch for re-replication to finish. */
const REPAIR_EXTRA_MS = 10_000;
const SETTLE_LIMIT_MS = 180_000;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '64,256,1024' },
    k: { type: 'string', default: '16' },
    replicas: { type: 'string', default: '5' },
    keys: { type: 'string', default: '1000' },
    lookups: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '20261124' },
  },
});
const k = Number(values.k);
const replicas = Number(values.replicas);
const keyCount = Number(values.keys);
const lookupCount = Number(values.lookups);
const seed = Number(values.seed);

const runs = [];
for (const size of values.sizes.split(',').map(Number)) {
  runs.push(await runRing(size));
  printTable(runs);
}
const result = { name: 'chord', date: new Date().toISOString(), node: process.version, k, replicas, keys: keyCount, lookups: lookupCount, seed, runs };
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'chord.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('  -> bench/results/chord.json');
process.exit(0);

async function runRing(size) {
  const wall = {};
  let mark = Date.now();
  const lap = (name) => {
    wall[name] = Math.round((Date.now() - mark) / 100) / 10;
    mark = Date.now();
    console.error(`  ${size} nodes: ${name} took ${wall[name]} s wall (virtual ${Math.round((net.clock.now() - started) / 1000)} s so far)`);
  };
  const net = new SimNetwork({ seed: seed + size, latencyMs: [5, 40] });
  const started = net.clock.now();
  const pick = new SeededRandom(seed ^ size);
  const random = (n) => Math.floor(pick.next() * n);
  const nodes = Array.from({ length: size }, () => new ChordSocket({ k, replicas, transport: net.transport() }));

  await nodes[0].join();
  for (let start = 1; start < size; start += JOIN_BATCH) {
    await Promise.all(
      nodes.slice(start, start + JOIN_BATCH).map(async (node) => {
        await node.connect(nodes[random(start)].address);
        await node.join();
      }),
    );
  }
  await settle(net, nodes);
  lap('build');
  await net.run(FINGER_FILL_MS);
  lap('fingers');

  const keys = Array.from({ length: keyCount }, (_, i) => `key ${i}`);
  await batched(keys, (key, i) => nodes[random(size)].set(key, i));
  lap('write');

  const samples = Array.from({ length: lookupCount }, () => random(keyCount));
  const lookups = await batched(samples, async (i) => {
    const started = net.clock.now();
    const info = await nodes[random(size)].getWithInfo(keys[i]).catch(() => undefined);
    return { ok: info?.found === true && info.value === i, hops: info?.hops, ms: net.clock.now() - started };
  });
  lap('lookups');

  const hops = lookups.filter((l) => l.ok).map((l) => l.hops);
  const latencies = lookups.filter((l) => l.ok).map((l) => l.ms);
  const live = new Set(nodes);
  const crashes = {};
  for (const [label, share] of [['10%', 0.1], ['25%', 0.25]]) {
    while (live.size > size * (1 - share)) {
      const victim = [...live][random(live.size)];
      live.delete(victim);
      net.kill(victim);
    }
    const alive = [...live];
    await settle(net, alive);
    await net.run(REPAIR_EXTRA_MS);
    const reads = await batched(keys, async (key, i) => {
      const info = await alive[random(alive.length)].getWithInfo(key).catch(() => undefined);
      return info?.found === true && info.value === i;
    });
    crashes[label] = round(reads.filter(Boolean).length / keyCount, 5);
    lap(`crash${label}`);
  }

  const run = {
    nodes: size,
    meanHops: round(hops.reduce((a, b) => a + b, 0) / hops.length, 2),
    maxHops: Math.max(...hops),
    successRate: round(lookups.filter((l) => l.ok).length / lookupCount, 5),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    readableAfterCrash: crashes,
    frames: net.stats.frames,
    wallSeconds: wall,
  };
  run.targets = {
    meanHops: `≤ ${round(Math.log2(size) / 2 + 1, 2)}`,
    maxHops: `≤ ${k}`,
    pass: {
      meanHops: run.meanHops <= Math.log2(size) / 2 + 1,
      maxHops: run.maxHops <= k,
      success: run.successRate === 1,
      crash25: crashes['25%'] >= 0.999,
    },
  };
  return run;
}

/** Runs `fn` over `items`, REQUEST_BATCH at a time, in order; resolves with the results. */
async function batched(items, fn) {
  const out = [];
  for (let start = 0; start < items.length; start += REQUEST_BATCH) {
    out.push(...(await Promise.all(items.slice(start, start + REQUEST_BATCH).map((item, j) => fn(item, start + j)))));
  }
  return out;
}

/** Advances virtual time a second at a time until every node's successor and predecessor are right. */
async function settle(net, nodes) {
  for (let waited = 0; !ringIsCorrect(nodes); waited += 1_000) {
    if (waited >= SETTLE_LIMIT_MS) throw new Error(`the ring did not settle within ${SETTLE_LIMIT_MS} virtual ms`);
    await net.run(1_000);
  }
}

function ringIsCorrect(nodes) {
  const members = nodes
    .filter((node) => node.joined)
    .map((node) => ({ node, state: node.ringState() }))
    .sort((a, b) => a.state.position - b.state.position);
  return members.every(({ state }, i) => {
    const next = members[(i + 1) % members.length].node;
    const prev = members[(i - 1 + members.length) % members.length].node;
    return state.successors[0]?.id === next.id && state.predecessor?.id === prev.id;
  });
}

function round(x, digits) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function printTable(all) {
  const mark = (ok) => (ok ? 'ok' : 'MISS');
  const header = ['nodes', 'mean hops', 'max hops', 'success', 'p50 / p99 ms', 'after 10% crash', 'after 25% crash', 'wall s'];
  const rows = all.map((r) => [
    String(r.nodes),
    `${r.meanHops} (${r.targets.meanHops}) ${mark(r.targets.pass.meanHops)}`,
    `${r.maxHops} (${r.targets.maxHops}) ${mark(r.targets.pass.maxHops)}`,
    `${(r.successRate * 100).toFixed(2)}% ${mark(r.targets.pass.success)}`,
    `${r.latencyMs.p50} / ${r.latencyMs.p99}`,
    `${(r.readableAfterCrash['10%'] * 100).toFixed(2)}%`,
    `${(r.readableAfterCrash['25%'] * 100).toFixed(2)}% ${mark(r.targets.pass.crash25)}`,
    String(Object.values(r.wallSeconds).reduce((a, b) => a + b, 0).toFixed(1)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  console.log(`\nchord on SimNetwork: k = ${k}, replicas = ${replicas}, ${keyCount} keys, ${lookupCount} lookups (${process.version})`);
  for (const row of [header, ...rows]) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`);
}
