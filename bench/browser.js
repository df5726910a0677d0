// bench:browser — two Chromium pages per system and round, every system measured by the same page
// code (test/e2e/harness/bench.ts): a raw RTCDataChannel (the baseline), simple-peer (a thin wrapper,
// the reference), and MeshSocket over WebRTC: whispers, broadcasts, and whispers with deep
// library-internal queueing. Fair by construction:
// - every sender keeps to the same backpressure (wait above 4 MiB held until it falls to 1 MiB):
//   raw and simple-peer count the bytes the receiving page has not yet taken in (it reports them
//   every 256 KiB; the channel's bufferedAmount would not bound the receiver's queue, which crashed
//   a raw receiver's page at 100 B), web2p through its public bufferedAmount/whenWritable();
//   the "queue" row lets web2p hold 16 MiB instead;
// - throughput and message rate are counted by the receiver in a window that starts after a warm-up
//   (a fresh channel's first burst stalls), never from a cold start;
// - every message is checked: sequence numbers in order without gaps, every byte as sent;
// - the pages are cross-origin isolated (COOP/COEP), so their timer ticks in microseconds;
// - rounds interleave the systems in a rotating order, fresh pages each time, and every ratio is
//   taken within one round against that round's raw figure; reported as median and spread;
// - within a round every system's pair of pages stays connected from its first message to its 100 B
//   stream, so the ping-pongs take turns in blocks (interleavedPings) over the same stretch of time.
// Raw and simple-peer signal through a WebSocket relay served here, web2p through its signaling
// server: "first message" is from the dialler starting to the first message arriving, signaling included.
// Usage: npm run bench:browser [-- --rounds 5 --warmup 3000 --small-warmup 1000 --window 2000 --pings 300 --ping-blocks 6 --ping-warmup 3000 --ping-bytes 8
// --systems web2p-whisper,simple-peer --phases pings --rehearse --profile DIR --profile-phase pings]
// --systems raw-link,raw-wire (not run unless named) add raw's channel through web2p's own
// DataChannelLink, and that plus py2p's whisper format (built and parsed, nothing of the mesh):
// with raw and web2p-whisper in the same run they tell which layer a round trip pays for.
// --phases first,big,pings,small runs only the phases named (connecting and the first message always
// runs); --rehearse connects each pair of pages once in another room before the measured connection,
// so the first message is timed with the system's code already run once in both pages: set against
// the cold figure, it tells how much of "first message" is running code for the first time.
// --profile DIR writes Chromium CPU profiles (CDP Profiler) of both pages' 64 KiB phase to DIR, one
// pair per system and round: <system>-<round>-sender.cpuprofile and -receiver (open in DevTools);
// with --profile-phase pings, of the ping-pongs instead (warm-up excluded), where a round trip's
// per-message JavaScript shows without the stream's backpressure around it; with first, of the
// measured connection (both pages, from the listener's start to the first message).
// Each page's main-thread task time over the 64 KiB phase (CDP Performance.TaskDuration) is reported
// per message received: CPU is what a loaded machine runs short of, so it tells systems apart where
// the throughput, bound by the channel on a quiet machine, does not. So is each page's over the ping
// blocks, per round trip (the pinging page and the echoing one): on a 2-core machine every
// microsecond of it, before a send or after, lengthens the round trip (a raw channel with 40 µs of
// busy work per send measured 1.15× raw's round trip with the work before the send, 1.29× after).
// And each page's over connecting and the first message, in ms, beside the wait of this process
// (which runs the signaling server and raw's relay) for a CPU meanwhile: on a 2-core machine the
// pages' CPU holds up the server too, so the first message's time counts it more than once.
// Every phase has a deadline: a phase past it, or a page that crashed, ends that system's round with
// the reason printed, keeping the phases that finished; the 100 B phase runs last, as the one that
// can take a page down.
// Run it under a lock of your own on shared machines (here `flock /tmp/web2p-net.lock`).
// Writes bench/results/browser.json.
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { TOOLS, requireExecutable } from '../test/executables.js';
import { startSignalingServer } from '../signaling-server/dist/index.js';
import { median, numberArg, percentile } from './lib.js';

const ROUNDS = numberArg('rounds', 5);
/**
 * A fresh channel's first seconds are no steady state: here a raw sender moved 0.3 MB/s in the
 * window after a 1 s warm-up, 4.5 MB/s after 2 s, 22 MB/s after 3 s. The 100-byte phase follows on
 * the same, by then warm, channel.
 */
const WARMUP_MS = numberArg('warmup', 3000);
const SMALL_WARMUP_MS = numberArg('small-warmup', 1000);
const WINDOW_MS = numberArg('window', 2000);
const PINGS = numberArg('pings', 300);
/** The ping-pongs are measured in this many blocks, the systems taking turns (interleavedPings). */
const PING_BLOCKS = numberArg('ping-blocks', 6);
/**
 * How long each pair pings before the measured blocks: as long as the streams warm up. A round trip
 * runs the library's code once per page, so the engine optimizes it only after some thousands
 * (measured: over the first 300 round trips web2p's pages spent 380-410 µs of main thread per round
 * trip, after 3 s of pinging 230-255, raw's 170-240 either way).
 */
const PING_WARMUP_MS = numberArg('ping-warmup', WARMUP_MS);
/** Round trips pinged in one call during the warm-up (the page answers between calls). */
const PING_WARMUP_BATCH = 100;
/** Bytes of each ping and pong the page sends (its payload, for web2p inside a whisper's envelope). */
const PING_BYTES = numberArg('ping-bytes', 8);
const BIG = 64 * 1024;
const SMALL = 100;
const MIB = 1024 * 1024;
const MARKS = { high: 4 * MIB, low: 1 * MIB };
const QUEUE_MARKS = { high: 16 * MIB, low: 4 * MIB };
const ALL_SYSTEMS = ['raw', 'simple-peer', 'web2p-whisper', 'web2p-broadcast', 'web2p-queue'];
/** Run only when named: raw's channel through web2p's link alone, and with py2p's message format too (bench.ts, layered()). */
const LAYER_SYSTEMS = ['raw-link', 'raw-wire'];
/** `--systems raw,web2p-whisper` measures only those (raw is always in: ratios need it). */
const chosen = process.argv.includes('--systems') ? process.argv[process.argv.indexOf('--systems') + 1].split(',') : ALL_SYSTEMS;
const SYSTEMS = ['raw', ...LAYER_SYSTEMS, ...ALL_SYSTEMS.slice(1)].filter((s) => s === 'raw' || chosen.includes(s));
const PROFILE_DIR = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;
const PROFILE_PHASE = process.argv.includes('--profile-phase') ? process.argv[process.argv.indexOf('--profile-phase') + 1] : 'big';
if (!['big', 'pings', 'first'].includes(PROFILE_PHASE)) throw new Error(`--profile-phase is big, pings or first, not ${PROFILE_PHASE}`);
/** Profiles `phase` of `system`'s round when asked to: the returned function stops it (undefined when not profiled). */
const profileIf = (phase, pages, system, round) => (PROFILE_DIR !== undefined && PROFILE_PHASE === phase ? profile(pages, `${system}-${round + 1}`) : undefined);
/** How long the receiver may take to get the rest of a stream after the sender stopped. */
const DRAIN_DEADLINE_MS = 60_000;
/**
 * How long past its planned duration a sender may take to stop: at most one wait for 3 MiB to
 * drain (4 MiB to 1 MiB), 10 s at the slowest rate recorded here (0.3 MB/s, raw 100 B at load 20).
 * Past it the channel is stuck: without it a raw receiver's crash left the sender waiting for ever.
 */
const STREAM_OVERRUN_MS = 30_000;
/** Connecting and the first message: the slowest recorded was 3 s (web2p at load 20), 10× that. */
const CONNECT_DEADLINE_MS = 30_000;
/** The ping-pongs: about 330 round trips, at most 25 ms each even at load 20 is 8 s; 30 s means stuck. */
const PINGS_DEADLINE_MS = 30_000;
const ALL_PHASES = ['first', 'big', 'pings', 'small'];
/**
 * `--phases first,pings` runs only those (connecting and the first message always runs: the others
 * need the connection); many rounds of one measure in little time.
 */
const PHASES = process.argv.includes('--phases') ? ['first', ...process.argv[process.argv.indexOf('--phases') + 1].split(',')] : ALL_PHASES;
for (const name of PHASES) if (!ALL_PHASES.includes(name)) throw new Error(`--phases takes ${ALL_PHASES.join(', ')}, not ${name}`);
/** `--rehearse`: each page pair connects once in another room first, so the measured connection runs warm code. */
const REHEARSE = process.argv.includes('--rehearse');

/** `promise`, or a rejection saying which phase ran past `ms` (the page's call is left behind; its pages are closed). */
function deadline(promise, ms, phase) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${phase} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ servers

const dist = fileURLToPath(new URL('../test/e2e/harness/dist/', import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
/** The harness pages, cross-origin isolated so performance.now() is fine-grained. */
const http = createServer((req, res) => {
  const path = normalize(join(dist, new URL(req.url, 'http://x').pathname));
  if (!path.startsWith(dist)) return void res.writeHead(404).end();
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Content-Type', types[extname(path)] ?? 'application/octet-stream');
  createReadStream(path)
    .on('error', () => res.writeHead(404).end())
    .pipe(res);
});
/** Raw and simple-peer's signaling: each message goes to the other sockets of the same path. */
const relay = new WebSocketServer({ server: http });
relay.on('connection', (ws, req) => {
  ws.room = req.url;
  ws.on('message', (data) => {
    for (const other of relay.clients) if (other !== ws && other.room === ws.room) other.send(data.toString());
  });
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const pageOrigin = `http://127.0.0.1:${http.address().port}`;
const relayUrl = `ws://127.0.0.1:${http.address().port}`;
const signaling = await startSignalingServer({ port: 0, host: '127.0.0.1' });

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
  await page.goto(`${pageOrigin}/bench.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  if (!(await page.evaluate(() => window.benchPage.isolated))) throw new Error('the bench page is not cross-origin isolated');
  return page;
}

// ------------------------------------------------------------------ one system, one round

/** Streams `size`-byte messages; the receiver's windowed rate, after checking every message arrived intact and in order. */
async function streamPhase(a, b, size, marks, warmupMs) {
  const taskSeconds = await mainThreadMeter([a, b]);
  const before = await taskSeconds();
  await b.evaluate(({ warmupMs, windowMs }) => window.benchPage.expect(warmupMs, windowMs), { warmupMs, windowMs: WINDOW_MS });
  const duration = warmupMs + WINDOW_MS + 500;
  const sending = a.evaluate(({ size, duration, marks }) => window.benchPage.stream(size, duration, marks), { size, duration, marks });
  const sent = await deadline(sending, duration + STREAM_OVERRUN_MS, `the ${size} B stream's sender`);
  await b.waitForFunction((sent) => window.benchPage.stats.messages >= sent, sent, { timeout: DRAIN_DEADLINE_MS, polling: 50 });
  const stats = await b.evaluate(() => ({ ...window.benchPage.stats }));
  const [senderUs, receiverUs] = (await taskSeconds()).map((t, i) => ((t - before[i]) * 1e6) / stats.messages);
  return {
    mainThreadUsPerMessage: { sender: senderUs, receiver: receiverUs },
    mbPerSecond: stats.windowBytes / (WINDOW_MS / 1000) / 1e6,
    perSecond: stats.windowMessages / (WINDOW_MS / 1000),
    sent,
    lost: sent - stats.messages,
    orderErrors: stats.orderErrors,
    corrupt: stats.corrupt,
  };
}

/** A function that reads each page's main-thread task time so far, in seconds (CDP Performance.getMetrics). */
async function mainThreadMeter(pages) {
  const sessions = await Promise.all(pages.map((page) => page.context().newCDPSession(page)));
  for (const cdp of sessions) await cdp.send('Performance.enable');
  return () => Promise.all(sessions.map(async (cdp) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value));
}

/**
 * How long this process's main thread has waited for a CPU so far, in ms (Linux: /proc/self/schedstat's
 * run-queue time; undefined elsewhere). That thread runs the signaling server and raw's relay: on a
 * 2-core machine, while two pages connect, it waited up to 926 ms for a CPU (12 rounds) with its
 * own work taking 1-10 ms, so "first message" there is partly the machine's contention; this says how much.
 */
function serverCpuWaitMs() {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Starts profiling `pages` (CDP); the returned function stops it and writes `<name>-<role>.cpuprofile`s. */
async function profile(pages, name) {
  const sessions = await Promise.all(pages.map((page) => page.context().newCDPSession(page)));
  for (const cdp of sessions) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 }); // µs
    await cdp.send('Profiler.start');
  }
  return async () => {
    mkdirSync(PROFILE_DIR, { recursive: true });
    for (const [i, cdp] of sessions.entries()) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(join(PROFILE_DIR, `${name}-${['sender', 'receiver'][i]}.cpuprofile`), JSON.stringify(profile));
      await cdp.detach();
    }
  };
}

/** Rejects when either page of a pair crashes (a crashed page answers no call, so nothing else would say so). */
function crashWatch(a, b) {
  const crashed = new Promise((_, reject) => {
    a.once('crash', () => reject(new Error('the sending page crashed')));
    b.once('crash', () => reject(new Error('the receiving page crashed')));
  });
  crashed.catch(() => {}); // read only through phase()
  return crashed;
}

/**
 * One system's connection and the phases before the ping-pongs: connect and first message, then the
 * 64 KiB stream. Fills `figures` phase by phase, so a failed phase keeps those before it; returns the
 * pair of pages, still connected, for the round's interleaved ping-pongs and its 100 B stream.
 * `--rehearse` connects once before the measured connection.
 */
async function connectAndStream(system, round, figures) {
  const [a, b] = [await openPage(), await openPage()];
  const pair = { system, a, b };
  const crashed = crashWatch(a, b);
  pair.phase = (promise, ms, name) => Promise.race([deadline(promise, ms, name), crashed]);
  try {
    const room = `bench-${Math.random().toString(36).slice(2)}`;
    const connectAndFirst = (room) =>
      pair.phase(
        (async () => {
          const url = system.startsWith('web2p') ? `${signaling.url}/${room}` : `${relayUrl}/${room}`;
          await b.evaluate(({ system, url }) => window.benchPage.listen(system, url), { system, url });
          const started = await a.evaluate(({ system, url }) => window.benchPage.dial(system, url), { system, url });
          return (await b.evaluate(() => window.benchPage.whenFirst())) - started;
        })(),
        CONNECT_DEADLINE_MS,
        'connecting and the first message',
      );
    if (REHEARSE) {
      await connectAndFirst(`${room}-rehearsal`);
      for (const page of [a, b]) await page.evaluate(() => window.benchPage.reset());
    }
    const stopFirstProfile = await profileIf('first', [a, b], system, round);
    const taskSeconds = await mainThreadMeter([a, b]);
    const [tasksBefore, waitBefore] = [await taskSeconds(), serverCpuWaitMs()];
    figures.firstMessageMs = await connectAndFirst(room);
    const [tasksAfter, waitAfter] = [await taskSeconds(), serverCpuWaitMs()];
    await stopFirstProfile?.();
    [figures.connectDiallerMs, figures.connectListenerMs] = tasksAfter.map((t, i) => (t - tasksBefore[i]) * 1000);
    if (waitBefore !== undefined) figures.serverCpuWaitMs = waitAfter - waitBefore;
    if (PHASES.includes('big')) {
      const stopProfile = await profileIf('big', [a, b], system, round);
      const big = await pair.phase(streamPhase(a, b, BIG, marksOf(system), WARMUP_MS), streamDeadline(WARMUP_MS), 'the 64 KiB phase');
      await stopProfile?.();
      Object.assign(figures, {
        throughputMBps: big.mbPerSecond,
        senderUsPerMessage: big.mainThreadUsPerMessage.sender,
        receiverUsPerMessage: big.mainThreadUsPerMessage.receiver,
        lost: big.lost,
        orderErrors: big.orderErrors,
        corrupt: big.corrupt,
      });
    }
    return pair;
  } catch (error) {
    await closePair(pair);
    throw error;
  }
}

const marksOf = (system) => (system === 'web2p-queue' ? QUEUE_MARKS : MARKS);
/** The stream's own deadlines are inside streamPhase; this one only bounds the CDP calls around them. */
const streamDeadline = (warmupMs) => warmupMs + WINDOW_MS + 500 + STREAM_OVERRUN_MS + DRAIN_DEADLINE_MS;

/**
 * The round's ping-pongs, every connected system's in turn: PING_BLOCKS blocks of PINGS/PING_BLOCKS
 * round trips each, the systems' order rotating from block to block, so every system's round trips
 * are spread over the same stretch of time and a slower stretch of the machine falls on all of them
 * alike (measured one system after another, the RTT ratio moved by ±0.1 from run to run). Each pair
 * first takes PINGS round trips as soon as it is connected (the cold figure: the engine has not
 * optimized the code yet), then warms up for PING_WARMUP_MS. A pair that fails leaves the rest;
 * returns each system's round trips in ms, cold and measured, and its pages' main-thread µs per
 * measured round trip.
 */
async function interleavedPings(pairs, round, failed) {
  const times = new Map(pairs.map((pair) => [pair, []]));
  const cold = new Map();
  const pings = (pair, n) => pair.phase(pair.a.evaluate(([n, size]) => window.benchPage.pings(n, size), [n, PING_BYTES]), PINGS_DEADLINE_MS, 'the ping-pongs');
  const live = new Set(pairs);
  const attempt = async (pair, run) => {
    try {
      await run();
    } catch (error) {
      failed(pair, error);
      live.delete(pair);
      await closePair(pair);
    }
  };
  const stops = [];
  /** Each pair's task-time meter, and the main-thread seconds its pages spent in its blocks. */
  const meters = new Map();
  const cpu = new Map(pairs.map((pair) => [pair, [0, 0]]));
  for (const pair of pairs) {
    await attempt(pair, async () => {
      const { a, b } = pair;
      await pair.phase(b.evaluate(() => window.benchPage.setEcho(true)), PINGS_DEADLINE_MS, 'the ping-pongs');
      cold.set(pair, await pings(pair, PINGS));
      for (const until = Date.now() + PING_WARMUP_MS; Date.now() < until; ) await pings(pair, PING_WARMUP_BATCH);
      meters.set(pair, await mainThreadMeter([a, b]));
      stops.push(await profileIf('pings', [a, b], pair.system, round));
    });
  }
  const perBlock = Math.ceil(PINGS / PING_BLOCKS);
  for (let block = 0; block < PING_BLOCKS; block++) {
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[(i + block) % pairs.length];
      if (!live.has(pair)) continue;
      await attempt(pair, async () => {
        const taskSeconds = meters.get(pair);
        const before = await taskSeconds();
        const rtts = await pings(pair, perBlock);
        const spent = cpu.get(pair);
        for (const [i, t] of (await taskSeconds()).entries()) spent[i] += t - before[i];
        times.get(pair).push(...rtts);
      });
    }
  }
  for (const stop of stops) await stop?.();
  const perRoundTrip = (pair, i) => (cpu.get(pair)[i] * 1e6) / times.get(pair).length;
  const result = (pair) => ({ rtts: times.get(pair), coldRtts: cold.get(pair), pingerUs: perRoundTrip(pair, 0), echoUs: perRoundTrip(pair, 1) });
  return new Map([...live].map((pair) => [pair.system, result(pair)]));
}

/** The 100 B stream (the riskiest phase, last), into `figures`. */
async function smallStream(pair, figures) {
  const small = await pair.phase(streamPhase(pair.a, pair.b, SMALL, marksOf(pair.system), SMALL_WARMUP_MS), streamDeadline(SMALL_WARMUP_MS), 'the 100 B phase');
  Object.assign(figures, {
    smallMsgsPerSecond: small.perSecond,
    lost: (figures.lost ?? 0) + small.lost,
    orderErrors: (figures.orderErrors ?? 0) + small.orderErrors,
    corrupt: (figures.corrupt ?? 0) + small.corrupt,
  });
}

/** Closes a pair's endpoints and pages; a crashed or stuck page is closed all the same. */
async function closePair({ a, b }) {
  const bounded = (promise) => deadline(promise, 5_000, 'closing').catch(() => {});
  for (const page of [a, b]) await bounded(page.evaluate(() => window.benchPage.close()));
  for (const page of [a, b]) await page.context().close().catch(() => {});
}

// ------------------------------------------------------------------ rounds

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  // rotate the order, so no system always runs first (cold) or last
  const order = SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length]);
  const figures = Object.fromEntries(SYSTEMS.map((system) => [system, {}]));
  // a crashed page or a phase past its deadline is reported; the phases before it still count
  const failed = (system, error) => {
    figures[system].failed = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.log(`round ${round + 1}: ${system} failed: ${figures[system].failed}`);
  };
  const pairs = [];
  for (const system of order) {
    try {
      pairs.push(await connectAndStream(system, round, figures[system]));
    } catch (error) {
      failed(system, error);
    }
  }
  let connected = pairs;
  if (PHASES.includes('pings')) {
    const times = await interleavedPings(pairs, round, (pair, error) => failed(pair.system, error));
    for (const [system, { rtts, coldRtts, pingerUs, echoUs }] of times) {
      const rtt = { rttMedianMs: median(rtts), rttP90Ms: percentile(rtts, 90), rttColdMedianMs: median(coldRtts) };
      Object.assign(figures[system], { ...rtt, pingerUsPerRoundTrip: pingerUs, echoUsPerRoundTrip: echoUs });
    }
    connected = pairs.filter((pair) => times.has(pair.system));
  }
  for (const pair of connected) {
    try {
      if (PHASES.includes('small')) await smallStream(pair, figures[pair.system]);
    } catch (error) {
      failed(pair.system, error);
    }
    await closePair(pair);
  }
  rounds.push(figures);
  const fixed = (value, d, unit) => (value === undefined ? `- ${unit}` : `${value.toFixed(d)} ${unit}`);
  const line = SYSTEMS.map((s) => {
    const f = figures[s];
    const figures4 = `${fixed(f.throughputMBps, 1, 'MB/s')} ${fixed(f.smallMsgsPerSecond, 0, '/s')} ${fixed(f.rttMedianMs, 3, 'ms')} ${fixed(f.firstMessageMs, 0, 'ms')}`;
    return `${s}${f.failed ? ' (failed)' : ''} ${figures4}`;
  });
  console.log(`round ${round + 1}: ${line.join(' | ')}`);
}
await browser.close();
await signaling.close();
relay.close();
http.close();

// ------------------------------------------------------------------ summary

const MEASURES = ['senderUsPerMessage', 'receiverUsPerMessage', 'pingerUsPerRoundTrip', 'echoUsPerRoundTrip', 'throughputMBps', 'smallMsgsPerSecond', 'rttMedianMs', 'rttP90Ms', 'rttColdMedianMs', 'firstMessageMs', 'connectDiallerMs', 'connectListenerMs', 'serverCpuWaitMs'];
/** Median and spread of a per-round figure, with how many rounds had it; undefined when none did. */
const spread = (values) => (values.length === 0 ? undefined : { median: median(values), min: Math.min(...values), max: Math.max(...values), rounds: values.length });
const summary = {};
for (const system of SYSTEMS) {
  // per measure: every round where it finished (and, for a ratio, raw's did too), even if a later phase failed
  const had = (r, s, key) => r[s][key] !== undefined;
  summary[system] = { absolute: {}, ratioToRaw: {}, failedRounds: rounds.filter((r) => r[system].failed).length };
  for (const key of MEASURES) {
    summary[system].absolute[key] = spread(rounds.filter((r) => had(r, system, key)).map((r) => r[system][key]));
    summary[system].ratioToRaw[key] = spread(rounds.filter((r) => had(r, system, key) && had(r, 'raw', key)).map((r) => r[system][key] / r.raw[key]));
  }
  summary[system].lost = rounds.reduce((n, r) => n + (r[system].lost ?? 0), 0);
  summary[system].orderErrors = rounds.reduce((n, r) => n + (r[system].orderErrors ?? 0), 0);
  summary[system].corrupt = rounds.reduce((n, r) => n + (r[system].corrupt ?? 0), 0);
}
const whisper = summary['web2p-whisper']?.ratioToRaw;
const both = SYSTEMS.includes('web2p-broadcast') && SYSTEMS.includes('web2p-whisper');
const bothRan = rounds.filter((r) => r['web2p-broadcast']?.throughputMBps !== undefined && r['web2p-whisper']?.throughputMBps !== undefined);
const broadcastToWhisper = both ? spread(bothRan.map((r) => r['web2p-broadcast'].throughputMBps / r['web2p-whisper'].throughputMBps)) : undefined;
const clean = SYSTEMS.every((s) => summary[s].lost + summary[s].orderErrors + summary[s].corrupt + summary[s].failedRounds === 0);
/** A target on a median ratio; not met (value undefined) when no round measured it. */
const atLeast = (s, bound) => ({ target: `>= ${bound}`, value: s?.median, met: s !== undefined && s.median >= bound });
const atMost = (s, bound) => ({ target: `<= ${bound}`, value: s?.median, met: s !== undefined && s.median <= bound });
const targets = !whisper ? {} : {
  whisperThroughput: atLeast(whisper.throughputMBps, 0.95),
  whisperSmallMessages: atLeast(whisper.smallMsgsPerSecond, 0.8),
  whisperRttMedian: atMost(whisper.rttMedianMs, 1.15),
  whisperFirstMessage: atMost(whisper.firstMessageMs, 1.2),
  ...(both ? { broadcastToWhisperThroughput: atLeast(broadcastToWhisper, 0.85) } : {}),
  noLoss: { target: 'no loss, reorder or corruption, no failed round', value: clean, met: clean },
};
const result = {
  rounds: ROUNDS,
  settings: { warmupMs: WARMUP_MS, smallWarmupMs: SMALL_WARMUP_MS, windowMs: WINDOW_MS, pings: PINGS, pingWarmupMs: PING_WARMUP_MS, pingBytes: PING_BYTES, bigBytes: BIG, smallBytes: SMALL, marks: MARKS, queueMarks: QUEUE_MARKS },
  summary,
  broadcastToWhisper,
  targets,
  perRound: rounds,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/browser.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');

/** A summary cell; a figure some rounds missed says in how many it was measured. */
const cell = (s, d = 2) =>
  s === undefined ? 'no round' : `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})${s.rounds < rounds.length ? ` [${s.rounds}/${rounds.length}]` : ''}`;
console.log(`\nratio to raw, median (min–max) of ${ROUNDS} rounds`);
console.log(`${'system'.padEnd(17)}${'64 KiB MB/s'.padEnd(20)}${'100 B msgs/s'.padEnd(20)}${'RTT median'.padEnd(20)}${'RTT p90'.padEnd(20)}${'first message'.padEnd(20)}checks`);
for (const system of SYSTEMS) {
  const r = summary[system].ratioToRaw;
  const checks = `${summary[system].lost} lost, ${summary[system].orderErrors} reordered, ${summary[system].corrupt} corrupt, ${summary[system].failedRounds} failed rounds`;
  console.log(`${system.padEnd(17)}${cell(r.throughputMBps).padEnd(20)}${cell(r.smallMsgsPerSecond).padEnd(20)}${cell(r.rttMedianMs).padEnd(20)}${cell(r.rttP90Ms).padEnd(20)}${cell(r.firstMessageMs).padEnd(20)}${checks}`);
}
const rawAbs = summary.raw.absolute;
console.log(`raw absolute: ${cell(rawAbs.throughputMBps, 1)} MB/s, ${cell(rawAbs.smallMsgsPerSecond, 0)} msgs/s, RTT ${cell(rawAbs.rttMedianMs, 3)} ms, first message ${cell(rawAbs.firstMessageMs, 0)} ms`);
console.log('64 KiB main-thread µs per message, median (min–max): ' + SYSTEMS.map((s) => `${s} sender ${cell(summary[s].absolute.senderUsPerMessage, 0)}, receiver ${cell(summary[s].absolute.receiverUsPerMessage, 0)}`).join('; '));
console.log('RTT median of the first round trips after connecting (cold), ratio to raw: ' + SYSTEMS.map((s) => `${s} ${cell(summary[s].ratioToRaw.rttColdMedianMs)}`).join('; '));
console.log('Main-thread µs per round trip, median (min–max): ' + SYSTEMS.map((s) => `${s} pinger ${cell(summary[s].absolute.pingerUsPerRoundTrip, 0)}, echo ${cell(summary[s].absolute.echoUsPerRoundTrip, 0)}`).join('; '));
console.log('Connecting and the first message, main-thread ms of the dialling / listening page, median (min–max): ' + SYSTEMS.map((s) => `${s} ${cell(summary[s].absolute.connectDiallerMs, 0)} / ${cell(summary[s].absolute.connectListenerMs, 0)}`).join('; '));
console.log("Meanwhile the signaling server's (and relay's) wait for a CPU, ms: " + SYSTEMS.map((s) => `${s} ${cell(summary[s].absolute.serverCpuWaitMs, 0)}`).join('; '));
if (broadcastToWhisper) console.log(`broadcast / whisper throughput: ${cell(broadcastToWhisper)}`);
for (const [name, t] of Object.entries(targets)) console.log(`${t.met ? 'met    ' : 'NOT met'} ${name} ${t.target}: ${typeof t.value === 'number' ? t.value.toFixed(2) : (t.value ?? 'not measured')}`);
