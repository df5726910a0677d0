// bench:sim — 1,000 simulated MeshSockets (default maxOutgoing), 100 broadcasts from random nodes.
// Reports delivery ratio, amplification (broadcast frames sent / deliveries), hops (shortest path
// from the sender in the mesh at send time), delivery latency in virtual ms, wall time and peak RSS.
// Usage: node bench/sim-mesh.js [--nodes 1000] [--broadcasts 100] [--seed 1] [--no-heartbeats]
// --no-heartbeats turns member heartbeats off (memberHeartbeats: false, PROTOCOL.md §14.8): each node
// beats at least once a minute, so a simulation of N nodes costs N² heartbeats a minute; without
// them the run measures the mesh and its broadcasts alone, as before members landed.
// MeshSocket comes from web2p/node, as a Node app gets it: ids and link proofs use OpenSSL's Ed25519
// (node:crypto) rather than @noble/curves' pure JavaScript, which took 30% of a 1,000-node run. The
// figures are the same either way (Ed25519 signs deterministically and the keys come from the
// network's seeded random); only the CPU differs.
import { writeFileSync, mkdirSync } from 'node:fs';
import { MeshSocket, flags } from '../packages/web2p/dist/node/index.js';
import { decodeBody } from '../packages/web2p/dist/wire/index.js';
import { SimNetwork } from '../packages/web2p/dist/sim/index.js';
import { numberArg, percentile } from './lib.js';

const NODES = numberArg('nodes', 1000);
const BROADCASTS = numberArg('broadcasts', 100);
const SEED = numberArg('seed', 1);
const HEARTBEATS = !process.argv.includes('--no-heartbeats');

const started = performance.now();
const net = new SimNetwork({ seed: SEED, latencyMs: [5, 40] });
const nodes = [];
const sentAt = new Map(); // tag -> virtual ms
const latencies = [];
let deliveries = 0;
for (let i = 0; i < NODES; i++) {
  const sock = new MeshSocket({ transport: net.transport(), memberHeartbeats: HEARTBEATS });
  sock.on('message', (msg) => {
    deliveries++;
    latencies.push(net.clock.now() - sentAt.get(msg.packets[1]));
    sock.recv();
  });
  nodes.push(sock);
  if (i > 0) sock.connect(nodes[Math.floor(pseudo(i) * i)].address).catch(() => {});
}
function pseudo(i) {
  // deterministic bootstrap choice, independent of the network's own random stream
  const x = Math.sin(i * 12.9898 + SEED * 78.233) * 43758.5453;
  return x - Math.floor(x);
}
await net.run(60_000);
const setupWall = (performance.now() - started) / 1000;

let broadcastFrames = 0;
net.tap = (bytes) => {
  // count frames of user broadcasts only (main flag broadcast, sub-flag broadcast)
  const msg = decodeBody(bytes.subarray(4), [], undefined, { whisperIdUnchecked: true }); // whispers between web2p nodes carry no id (PROTOCOL.md §14.11)
  if (msg.type === flags.broadcast && msg.payload[0] === flags.broadcast) broadcastFrames++;
};

const hops = [];
function hopCounts(from) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const dist = new Map([[from.id, 0]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift();
    for (const id of node.routingTable.keys()) {
      if (!dist.has(id) && byId.has(id)) {
        dist.set(id, dist.get(node.id) + 1);
        queue.push(byId.get(id));
      }
    }
  }
  return dist;
}

const phaseStart = performance.now();
for (let b = 0; b < BROADCASTS; b++) {
  const sender = nodes[Math.floor(pseudo(NODES + b) * NODES)];
  const tag = `b${b}`;
  for (const [id, d] of hopCounts(sender)) if (id !== sender.id) hops.push(d);
  sentAt.set(tag, net.clock.now());
  sender.send(tag);
  await net.run(2_000);
}
await net.run(5_000);
const phaseWall = (performance.now() - phaseStart) / 1000;
net.tap = undefined;

const degrees = nodes.map((n) => n.routingTable.size);
const expected = BROADCASTS * (NODES - 1);
const result = {
  nodes: NODES,
  broadcasts: BROADCASTS,
  seed: SEED,
  memberHeartbeats: HEARTBEATS,
  maxOutgoing: nodes[0].maxOutgoing,
  meanDegree: degrees.reduce((a, b) => a + b, 0) / NODES,
  deliveryRatio: deliveries / expected,
  amplification: broadcastFrames / deliveries,
  hopsP50: percentile(hops, 50),
  hopsP99: percentile(hops, 99),
  latencyMsP50: percentile(latencies, 50),
  latencyMsP99: percentile(latencies, 99),
  wallSeconds: (performance.now() - started) / 1000,
  setupWallSeconds: setupWall,
  broadcastWallSeconds: phaseWall,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  targets: { deliveryRatio: 1, amplificationMax: 5, wallSecondsMax: 60 },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/sim-mesh.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
const rows = [
  ['nodes', result.nodes, HEARTBEATS ? 'member heartbeats on' : 'member heartbeats off (--no-heartbeats)'],
  ['mean degree', result.meanDegree.toFixed(2), `maxOutgoing ${result.maxOutgoing}`],
  ['delivery ratio', result.deliveryRatio.toFixed(4), 'target 1.0'],
  ['amplification', result.amplification.toFixed(2), 'target <= 5 (py2p flooding ~ degree)'],
  ['hops p50 / p99', `${result.hopsP50} / ${result.hopsP99}`, 'shortest path at send time'],
  ['latency p50 / p99', `${result.latencyMsP50} / ${result.latencyMsP99} ms`, 'virtual, links 5–40 ms'],
  ['wall seconds', result.wallSeconds.toFixed(1), `target < 60 (setup ${setupWall.toFixed(1)}, broadcasts ${phaseWall.toFixed(1)})`],
  ['peak RSS', `${result.peakRssMB.toFixed(0)} MB`, ''],
];
for (const [k, v, note] of rows) console.log(`${k.padEnd(20)} ${String(v).padEnd(18)} ${note}`);
await Promise.all(nodes.map((n) => n.close()));
