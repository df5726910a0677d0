#!/usr/bin/env node
/**
 * Signaling server under N concurrent clients in rooms of 20 (`node bench/signal.js [--clients N]
 * [--room-size N] [--concurrency N] [--timeout-s N]`; build web2p-signal first). The server runs in
 * a child process so that its memory and CPU are its own; it reports them over IPC. Clients arrive
 * with at most --concurrency (default 50) connecting-and-joining at once, and stay connected: the
 * run measures the time from sending `join` to receiving the `peers` list, then the time for one
 * signal per client to be relayed, all sent at once. Past what the server can absorb, join latency
 * is queueing, so it grows with --concurrency; the table says which was used. Writes
 * bench/results/signal.json and prints a table. Bounded: abandoned after --timeout-s.
 *
 * With `--instances N --redis`, it starts a Redis of its own (no persistence), runs the same
 * measurement once on a single in-memory instance and once with clients spread round-robin over N
 * instances sharing that Redis (so every room spans instances), and writes both, side by side, to
 * bench/results/signal-redis.json. Server RSS and CPU are then summed over the instances.
 *
 * With `--big-room`, all clients join ONE room while a probe joins and leaves another room over and
 * over: it measures what a crowd in one room costs everyone else (the probe's join p99), the frames
 * the crowd's joins cost, and the server's CPU; writes bench/results/signal-big-room.json.
 */
import { execSync, fork } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedis } from '../test/redis-server.js';
import { percentile } from './lib.js';

/** The targets of the issue; figures are reported against them, never asserted in a test. */
const TARGETS = { clients: 2_000, joinP99Ms: 50, serverRssMB: 200 };
/** File descriptors each process needs beyond one per client: stdio, IPC, the listener, node itself. */
const FD_MARGIN = 256;
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--serve') await serve();
else if (process.argv[2] === '--probe') await probe(Number(process.argv[3]));
else await main();

/** Child: the server alone, answering samples of its RSS and CPU time over IPC. */
async function serve() {
  const { startSignalingServer } = await import('../signaling-server/dist/index.js');
  // Joins arrive in waves during the run: the join timeout must not cut off clients still queued.
  const redis = process.argv[3]; // the Redis URL, when instances share one
  // Every bench client comes from 127.0.0.1: the per-address cap would refuse all but the first few.
  const server = await startSignalingServer({ port: 0, host: '127.0.0.1', joinTimeoutMs: 600_000, redis, maxConnectionsPerIp: 1_000_000, joinProof: 'optional' });
  process.on('message', async (message) => {
    if (message === 'sample') {
      process.send({ rss: process.memoryUsage().rss, cpu: process.cpuUsage(), ...server.stats() });
    } else if (message === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
  // If the parent dies (its deadline, a crash), the server must not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send({ port: server.port });
}

async function main() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: String(TARGETS.clients) },
      'room-size': { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '50' },
      'timeout-s': { type: 'string', default: '120' },
      instances: { type: 'string', default: '1' },
      redis: { type: 'boolean', default: false },
      'big-room': { type: 'boolean', default: false },
    },
  });
  const settings = { clients: Number(values.clients), roomSize: Number(values['room-size']), concurrency: Number(values.concurrency) };
  const instances = Number(values.instances);
  if (instances > 1 && !values.redis) {
    console.error('bench/signal: --instances above 1 needs --redis (instances share rooms only through Redis)');
    process.exit(2);
  }
  checkFileLimit(settings.clients);
  const deadline = setTimeout(() => {
    console.error(`bench/signal: gave up after ${values['timeout-s']} s`);
    process.exit(1);
  }, Number(values['timeout-s']) * 1000);

  mkdirSync(join(here, 'results'), { recursive: true });
  if (values['big-room']) {
    const result = await runBigRoom(settings);
    writeFileSync(join(here, 'results', 'signal-big-room.json'), `${JSON.stringify(result, null, 2)}\n`);
    printBigRoom(result);
  } else if (!values.redis) {
    const result = await run(settings, 1);
    writeFileSync(join(here, 'results', 'signal.json'), `${JSON.stringify(result, null, 2)}\n`);
    printTable(result, 'signal.json');
  } else {
    // The single-instance baseline comes from the same run, so the two are comparable.
    const single = await run(settings, 1);
    printTable(single, 'signal-redis.json');
    const redis = await startRedis();
    try {
      const shared = await run(settings, instances, redis.url);
      printTable(shared, 'signal-redis.json');
      const both = { single, redis: shared };
      writeFileSync(join(here, 'results', 'signal-redis.json'), `${JSON.stringify(both, null, 2)}\n`);
    } finally {
      await redis.stop();
    }
  }
  clearTimeout(deadline);
}

/** Starts one server child; resolves with it, a way to await its next IPC reply, and its port. */
async function startChild(redisUrl) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...(redisUrl ? [redisUrl] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.once('exit', (code) => code !== 0 && console.error(`bench/signal: server exited with ${code}`));
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));
  const reply = () => new Promise((resolve) => replies.push(resolve));
  return { child, reply, port: (await reply()).port };
}

/** Opens a WebSocket to `room` on the server at `port`. */
async function openRoom(port, room) {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/${room}`);
    ws.once('error', reject);
    ws.once('open', () => resolve(ws));
  });
}

/** Joins under a fresh id; resolves with the ms from `join` to `peers`. `onFrame` sees every frame. */
function joinRoom(ws, onFrame = () => {}) {
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    ws.on('message', (data) => {
      onFrame(data);
      const message = JSON.parse(String(data));
      if (message.type === 'peers') resolve(performance.now() - sentAt);
      else if (message.type === 'error') reject(new Error(`${message.code}: ${message.message}`));
    });
    ws.send(JSON.stringify({ type: 'join', id: Array.from({ length: 66 }, () => BASE58[randomInt(58)]).join('') }));
  });
}

/**
 * Child: joins and leaves room 'elsewhere' over and over until told to stop, then reports its join
 * latencies. A process of its own, so that the crowd's client work does not delay its timings.
 */
async function probe(port) {
  let stopping = false;
  process.on('message', (message) => message === 'stop' && (stopping = true));
  const joinMs = [];
  process.send('probing');
  while (!stopping) {
    const ws = await openRoom(port, 'elsewhere');
    joinMs.push(await joinRoom(ws));
    await new Promise((resolve) => {
      ws.once('close', resolve);
      ws.close();
    });
  }
  process.send({ joinMs });
  process.exit(0);
}

/** The crowd: `clients` join one room (`concurrency` at once) while a probe keeps joining another. */
async function runBigRoom({ clients, concurrency }) {
  const server = await startChild();
  const sample = async () => {
    const next = server.reply();
    server.child.send('sample');
    return next;
  };
  let crowdFrames = 0;
  let peersListBytes = 0;
  const countFrame = (data) => {
    crowdFrames++;
    if (String(data).startsWith('{"type":"peers"')) peersListBytes = Math.max(peersListBytes, data.length);
  };

  const idle = await sample();
  const prober = fork(fileURLToPath(import.meta.url), ['--probe', String(server.port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const probed = new Promise((resolve) => prober.on('message', (message) => message.joinMs && resolve(message.joinMs)));
  await new Promise((resolve) => prober.once('message', resolve)); // 'probing'
  const sockets = [];
  const crowdMs = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, clients) }, async () => {
      while (next < clients) {
        const ws = await openRoom(server.port, 'crowd');
        sockets[next++] = ws;
        crowdMs.push(await joinRoom(ws, countFrame));
      }
    }),
  );
  const wallS = (performance.now() - start) / 1000;
  prober.send('stop');
  const probeMs = await probed;
  const loaded = await sample();
  const closed = Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('close', resolve))));
  server.child.send('stop');
  await closed;
  const cpuSeconds = (loaded.cpu.user + loaded.cpu.system - idle.cpu.user - idle.cpu.system) / 1e6;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    clients,
    concurrency,
    crowdJoinMs: percentiles(crowdMs),
    otherRoomJoinMs: percentiles(probeMs),
    framesPerJoin: round(crowdFrames / clients),
    largestPeersListBytes: peersListBytes,
    wallSeconds: round(wallS),
    serverCpuSeconds: round(cpuSeconds),
    serverRssMB: { idle: mb(idle.rss), loaded: mb(loaded.rss) },
    targets: { otherRoomJoinP99Ms: TARGETS.joinP99Ms },
  };
  result.pass = { otherRoomJoinP99: result.otherRoomJoinMs.p99 < TARGETS.joinP99Ms };
  return result;
}

function printBigRoom(r) {
  console.log(`web2p-signal, ${r.clients} clients joining one room, ${r.concurrency} at once (${r.node})`);
  console.log(`  other room's join p50 / p99 / max  ${r.otherRoomJoinMs.p50} / ${r.otherRoomJoinMs.p99} / ${r.otherRoomJoinMs.max} ms (${r.otherRoomJoinMs.count} joins)  target p99 < ${r.targets.otherRoomJoinP99Ms} ms  ${r.pass.otherRoomJoinP99 ? 'PASS' : 'FAIL'}`);
  console.log(`  crowd's join p50 / p99             ${r.crowdJoinMs.p50} / ${r.crowdJoinMs.p99} ms`);
  console.log(`  frames per crowd join              ${r.framesPerJoin} (largest peers list ${r.largestPeersListBytes} B)`);
  console.log(`  server CPU / RSS idle -> loaded    ${r.serverCpuSeconds} s / ${r.serverRssMB.idle} -> ${r.serverRssMB.loaded} MB; all joined in ${r.wallSeconds} s`);
  console.log('  -> bench/results/signal-big-room.json');
}

/** One measurement: `instances` server children (sharing `redisUrl` when given), clients round-robin over them. */
async function run({ clients, roomSize, concurrency }, instances, redisUrl) {
  const { default: WebSocket } = await import('ws');
  const servers = [];
  for (let n = 0; n < instances; n++) servers.push(await startChild(redisUrl));
  const ports = servers.map((server) => server.port);
  /** Every instance's sample, summed: RSS, CPU, clients, local rooms. */
  const sample = async () => {
    const samples = await Promise.all(
      servers.map(({ child, reply }) => {
        const next = reply();
        child.send('sample');
        return next;
      }),
    );
    const sum = (pick) => samples.reduce((total, s) => total + pick(s), 0);
    return {
      rss: sum((s) => s.rss),
      cpu: { user: sum((s) => s.cpu.user), system: sum((s) => s.cpu.system) },
      clients: sum((s) => s.clients),
      rooms: sum((s) => s.rooms),
    };
  };
  const idle = await sample();

  // Phase 1: every client connects and joins; at most `concurrency` joins are in flight at once.
  const peers = Array.from({ length: clients }, () => new Set());
  const sockets = [];
  const joinMs = [];
  const relayMs = [];
  const ids = Array.from({ length: clients }, () => Array.from({ length: 66 }, () => BASE58[randomInt(58)]).join(''));
  const roomOf = (i) => Math.floor(i / roomSize);
  let expectedLinks = 0;
  for (let i = 0; i < clients; i++) expectedLinks += Math.min(roomSize, clients - roomOf(i) * roomSize) - 1;
  let links = 0; // distinct (client, peer) pairs learned, through `peers` or `joined`
  const learn = (i, id) => {
    if (peers[i].has(id)) return;
    peers[i].add(id);
    links++;
  };
  let relayed = 0;
  let errors = 0; // error frames: none is expected in a correct run
  let onProgress = () => {};

  function open(i) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ports[i % ports.length]}/bench-${roomOf(i)}`);
      sockets[i] = ws;
      let sentAt = 0;
      ws.once('error', reject);
      ws.once('open', () => {
        sentAt = performance.now();
        ws.send(JSON.stringify({ type: 'join', id: ids[i] }));
      });
      ws.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'peers') {
          joinMs.push(performance.now() - sentAt);
          for (const id of message.ids) learn(i, id);
          resolve();
        } else if (message.type === 'joined') {
          learn(i, message.id);
        } else if (message.type === 'signal') {
          relayMs.push(performance.now() - message.data);
          relayed++;
        } else if (message.type === 'error') {
          errors++;
          console.error(`bench/signal: client ${i} got ${message.code}: ${message.message}`);
          reject(new Error(message.message));
        }
        onProgress();
      });
    });
  }

  const joinStart = performance.now();
  const clientCpuStart = process.cpuUsage();
  let nextClient = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, clients) }, async () => {
      while (nextClient < clients) await open(nextClient++);
    }),
  );
  await until(() => links === expectedLinks, 'every client to learn every member of its room');
  const joinWallS = (performance.now() - joinStart) / 1000;
  const clientCpu = process.cpuUsage(clientCpuStart);
  const loaded = await sample();

  // Phase 2: every client signals the next member of its room, all at once.
  const relayStart = performance.now();
  for (let i = 0; i < clients; i++) {
    const first = roomOf(i) * roomSize;
    const size = Math.min(roomSize, clients - first);
    if (size < 2) continue;
    const to = ids[first + ((i - first + 1) % size)];
    sockets[i].send(JSON.stringify({ type: 'signal', to, data: performance.now() }));
  }
  const expectedRelays = clients - (clients % roomSize === 1 ? 1 : 0);
  await until(() => relayed === expectedRelays, 'every signal to be relayed');
  const relayWallS = (performance.now() - relayStart) / 1000;
  const after = await sample();

  // Close: the server shuts down, ending every client with 1001.
  const closed = Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('close', resolve))));
  for (const { child } of servers) child.send('stop');
  await closed;

  const cpuSeconds = (from, to) => (to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system) / 1e6;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    clients,
    roomSize,
    concurrency,
    instances,
    redis: redisUrl !== undefined,
    held: loaded.clients,
    errors,
    rooms: loaded.rooms, // summed over instances: a room spanning two counts twice
    joinLatencyMs: percentiles(joinMs),
    joinWallSeconds: round(joinWallS),
    relayLatencyMs: percentiles(relayMs),
    relayWallSeconds: round(relayWallS),
    serverRssMB: { idle: mb(idle.rss), loaded: mb(loaded.rss), afterRelay: mb(after.rss) },
    serverCpuSeconds: { join: round(cpuSeconds(idle, loaded)), relay: round(cpuSeconds(loaded, after)) },
    // The clients share this machine's cores with the server: their CPU bounds what the run can show.
    clientCpuSecondsJoin: round((clientCpu.user + clientCpu.system) / 1e6),
    targets: TARGETS,
  };
  result.pass = {
    clients: result.held === clients && result.errors === 0,
    joinP99: result.joinLatencyMs.p99 < TARGETS.joinP99Ms,
    serverRss: Math.max(result.serverRssMB.loaded, result.serverRssMB.afterRelay) < TARGETS.serverRssMB,
  };
  return result;

  /** Resolves when `condition()` holds, checked on every message; the global deadline bounds it. */
  function until(condition, what) {
    return new Promise((resolve) => {
      onProgress = () => condition() && resolve();
      onProgress();
    }).then(() => console.log(`bench/signal: ${what}: done`));
  }
}

function checkFileLimit(clients) {
  const raw = execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim();
  const limit = raw === 'unlimited' ? Infinity : Number(raw);
  const needed = clients + FD_MARGIN;
  if (limit < needed) {
    console.error(
      `bench/signal: ulimit -n is ${limit}, but ${clients} clients need about ${needed} open files in each ` +
        `process (the clients here, the server's sockets in its child). Raise it (ulimit -n ${needed * 2}) ` +
        'or pass a smaller --clients.',
    );
    process.exit(1);
  }
}

function percentiles(values) {
  return { p50: round(percentile(values, 50) ?? NaN), p99: round(percentile(values, 99) ?? NaN), max: round(percentile(values, 100) ?? NaN), count: values.length };
}

function round(value) {
  return Math.round(value * 100) / 100;
}

function mb(bytes) {
  return round(bytes / 2 ** 20);
}

function printTable(r, file) {
  const mark = (ok) => (ok ? 'PASS' : 'FAIL');
  const rows = [
    ['clients held, error frames', `${r.held} of ${r.clients} in ${r.rooms} rooms of ${r.roomSize}, ${r.errors}`, `all, 0 (target ${r.targets.clients} clients)`, mark(r.pass.clients)],
    ['join -> peers p50 / p99 / max', `${r.joinLatencyMs.p50} / ${r.joinLatencyMs.p99} / ${r.joinLatencyMs.max} ms`, `p99 < ${r.targets.joinP99Ms} ms`, mark(r.pass.joinP99)],
    ['all joined (wall)', `${r.joinWallSeconds} s, ${r.concurrency} in flight`, '', ''],
    ['relay p50 / p99 / max', `${r.relayLatencyMs.p50} / ${r.relayLatencyMs.p99} / ${r.relayLatencyMs.max} ms`, `(${r.clients} sent at once)`, ''],
    ['server RSS idle / loaded / after relay', `${r.serverRssMB.idle} / ${r.serverRssMB.loaded} / ${r.serverRssMB.afterRelay} MB`, `< ${r.targets.serverRssMB} MB`, mark(r.pass.serverRss)],
    ['server CPU join / relay', `${r.serverCpuSeconds.join} / ${r.serverCpuSeconds.relay} s`, `(clients' CPU during join: ${r.clientCpuSecondsJoin} s)`, ''],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  const setup = r.redis ? `${r.instances} instances sharing Redis` : 'one in-memory instance';
  console.log(`web2p-signal, ${r.clients} clients, ${setup} (${r.node})`);
  for (const row of rows) console.log(`  ${row.slice(0, 3).map((cell, c) => cell.padEnd(widths[c])).join('  ')}  ${row[3]}`);
  console.log(`  -> bench/results/${file}`);
}
