#!/usr/bin/env node
/**
 * SyncSocket on the simulated network (`node bench/sync.js [--sizes 100,1000] [--writes N]
 * [--seed N]`; build web2p first). For each size: the time from a `set` to the last replica
 * applying it (p50/p99 virtual ms, and as a multiple of the network's diameter times the mean link
 * latency, the least any flooding can take), the bytes put on links per write, and, after a
 * partition into halves that each write (some keys on both sides), the time from the heal until
 * every replica is identical, with the mesh's share of it (until the first link across) shown
 * apart. Writes bench/results/sync.json and prints a table. Virtual time, so runs are exact
 * replays of their seed; wall time is reported only to show what the simulation costs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeededRandom, SyncSocket } from '../packages/web2p/dist/index.js';
import { SimNetwork } from '../packages/web2p/dist/sim/index.js';
import { percentile } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const LATENCY_MS = [5, 40];
const MEAN_LINK_MS = (LATENCY_MS[0] + LATENCY_MS[1]) / 2;
/** Virtual time between measured writes: each lands (and its traffic ends) before the next. */
const WRITE_GAP_MS = 3_000;
/** Keys each half of the partition writes, and how many of them both halves write. */
const PARTITION_KEYS = 40;
const SHARED_KEYS = 10;
/** Give up on convergence after this much virtual time. */
const HEAL_LIMIT_MS = 300_000;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000' },
    writes: { type: 'string', default: '30' },
    seed: { type: 'string', default: '20260301' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const writeCount = Number(values.writes);
const seed = Number(values.seed);

const results = [];
for (const size of sizes) results.push(await measure(size));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'sync.json'),
  JSON.stringify({ date: new Date().toISOString(), seed, latencyMs: LATENCY_MS, node: process.version, results }, null, 2) + '\n',
);
printTable(results);

async function measure(size) {
  const started = performance.now();
  const net = new SimNetwork({ seed: seed + size, latencyMs: LATENCY_MS });
  const pick = new SeededRandom(seed ^ size);
  const int = (n) => Math.floor(pick.next() * n);
  const nodes = Array.from({ length: size }, () => new SyncSocket({ transport: net.transport() }));
  /** applied.get(key) = virtual ms at which each node applied the key's latest write */
  const applied = new Map();
  nodes.forEach((node) =>
    node.on('update', (key) => {
      const times = applied.get(key);
      if (times) times.push(net.clock.now());
    }),
  );
  for (let i = 1; i < size; i++) void nodes[i].connect(nodes[int(i)].address).catch(() => {});
  await net.run(60_000);
  const diameter = graphDiameter(nodes);
  const links = countLinks(nodes);

  // Quiet traffic (maintenance, peer refresh) over one gap, to subtract from the writes' bytes.
  const quiet = { ...net.stats };
  await net.run(WRITE_GAP_MS);
  const background = { bytes: net.stats.bytes - quiet.bytes, frames: net.stats.frames - quiet.frames };

  const spreads = [];
  const before = { ...net.stats };
  for (let w = 0; w < writeCount; w++) {
    const key = `bench-${w}`;
    const times = [];
    applied.set(key, times);
    const t0 = net.clock.now();
    nodes[int(size)].set(key, { w, payload: 'x'.repeat(64) });
    await net.run(WRITE_GAP_MS);
    if (times.length !== size) throw new Error(`${size} nodes: write ${w} reached ${times.length} replicas`);
    spreads.push(Math.max(...times) - t0);
    applied.delete(key);
  }
  const bytesPerWrite = (net.stats.bytes - before.bytes) / writeCount - background.bytes;
  const framesPerWrite = (net.stats.frames - before.frames) / writeCount - background.frames;

  const heal = await partitionAndHeal(net, nodes, int);
  const wallS = (performance.now() - started) / 1000;
  for (const node of nodes) await node.close();
  const floor = diameter * MEAN_LINK_MS;
  return {
    nodes: size,
    links,
    diameter,
    writes: writeCount,
    spreadP50Ms: percentile(spreads, 50),
    spreadP99Ms: percentile(spreads, 99),
    spreadP50xFloor: round(percentile(spreads, 50) / floor),
    spreadP99xFloor: round(percentile(spreads, 99) / floor),
    bytesPerWrite: Math.round(bytesPerWrite),
    framesPerWrite: Math.round(framesPerWrite),
    bytesPerWritePerNode: round(bytesPerWrite / size),
    ...heal,
    wallS: round(wallS),
  };
}

/** Halves write apart (some keys on both sides), heal, and time until all replicas agree. */
async function partitionAndHeal(net, nodes, int) {
  const halves = [[], []];
  nodes.forEach((node) => halves[int(2)].push(node));
  net.partition(...halves);
  await net.run(10_000); // the links across fail
  halves.forEach((half, side) => {
    for (let k = 0; k < PARTITION_KEYS; k++) {
      const key = k < SHARED_KEYS ? `both-${k}` : `side${side}-${k}`;
      half[int(half.length)].set(key, `${side}:${k}`);
    }
  });
  await net.run(10_000);
  const before = { ...net.stats };
  const healedAt = net.clock.now();
  net.heal();
  const byId = new Map(nodes.map((node) => [node.id, halves[0].includes(node) ? 0 : 1]));
  let firstLinkMs;
  let convergedMs;
  while (net.clock.now() - healedAt < HEAL_LIMIT_MS) {
    await net.run(100);
    firstLinkMs ??= nodes.some((node) => [...node.routingTable.keys()].some((id) => byId.get(id) !== byId.get(node.id)))
      ? net.clock.now() - healedAt
      : undefined;
    if (firstLinkMs !== undefined && identical(nodes)) {
      convergedMs = net.clock.now() - healedAt;
      break;
    }
  }
  return {
    healFirstLinkMs: firstLinkMs ?? null,
    healConvergedMs: convergedMs ?? null,
    healSyncMs: convergedMs === undefined ? null : convergedMs - firstLinkMs,
    healBytes: net.stats.bytes - before.bytes,
  };
}

function identical(nodes) {
  const first = fingerprint(nodes[0]);
  return nodes.every((node) => fingerprint(node) === first);
}

function fingerprint(node) {
  return JSON.stringify([...node.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Longest shortest path over links both ends hold (BFS from every node). */
function graphDiameter(nodes) {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  let diameter = 0;
  for (const start of nodes) {
    const depth = new Map([[start.id, 0]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i];
      for (const id of node.routingTable.keys()) {
        const peer = byId.get(id);
        if (!peer || depth.has(id) || !peer.routingTable.has(node.id)) continue;
        depth.set(id, depth.get(node.id) + 1);
        queue.push(peer);
      }
    }
    if (depth.size !== nodes.length) throw new Error('the network is not connected');
    diameter = Math.max(diameter, ...depth.values());
  }
  return diameter;
}

function countLinks(nodes) {
  return nodes.reduce((sum, node) => sum + node.routingTable.size, 0) / 2;
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function printTable(rows) {
  const columns = [
    ['nodes', 'nodes'],
    ['links', 'links'],
    ['diam', 'diameter'],
    ['set→all p50 ms', 'spreadP50Ms'],
    ['p99 ms', 'spreadP99Ms'],
    ['p50 ×(diam·link)', 'spreadP50xFloor'],
    ['p99 ×(diam·link)', 'spreadP99xFloor'],
    ['bytes/write', 'bytesPerWrite'],
    ['B/write/node', 'bytesPerWritePerNode'],
    ['heal→1st link ms', 'healFirstLinkMs'],
    ['heal→equal ms', 'healConvergedMs'],
    ['heal bytes', 'healBytes'],
    ['wall s', 'wallS'],
  ];
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, key]) => String(row[key])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  for (const line of cells) console.log(line.map((cell, i) => cell.padStart(widths[i])).join('  '));
  console.log(`mean link latency ${MEAN_LINK_MS} ms; results in bench/results/sync.json`);
}
