// bench:abuse — the floods of issue 16 against a victim node in its own process: for each attack,
// the victim's RSS over its baseline (peak), its CPU during the attack, whether it stayed alive,
// the delivery between two honest peers linked only through it (one broadcasts every 20 ms during
// the attack), what the victim dropped (its 'error' events by type and limit), and how often it
// stopped reading a peer over its budget (backpressure: TCP holds the attacker back).
// Usage: node bench/abuse.js [--seconds 5] [--attacks empty-maps,broadcast-flood,…] [--soak <minutes>]
//        [--unread] [--out <file>]  (--soak repeats every attack in turn for that long on one victim, for the
// hour-long soak by hand, and compares the victim's RSS at the start and the end; --out writes the
// JSON elsewhere than bench/results/abuse.json). Exits 1 when an attack kills the victim, costs
// honest delivery, or grows its RSS by more than 100 MiB (over the soak too).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Protocol, SyncSocket } from '../packages/web2p/dist/node/index.js';
import { ATTACKS, PREPARE } from './abuse/attacks.js';
import { numberArg } from './lib.js';

const SECONDS = numberArg('seconds', 5);
const SOAK_MINUTES = numberArg('soak', 0);
// --unread: the victim never reads its messages (its recv() queue fills to its caps), the worst case
const UNREAD = process.argv.includes('--unread');
const chosen = process.argv.includes('--attacks') ? process.argv[process.argv.indexOf('--attacks') + 1].split(',') : Object.keys(ATTACKS);
const MiB = 1024 * 1024;
/** The honest peers wait this long at most for the last of their messages after an attack. */
const SETTLE_MS = 15_000;

async function startVictim() {
  const child = fork(new URL('./abuse/victim.js', import.meta.url), [JSON.stringify({}), JSON.stringify({ unread: UNREAD })], { execArgv: ['--max-old-space-size=1024'] });
  let stats;
  const ready = await new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message);
      if (message.type === 'stats') stats = message;
    });
    child.once('exit', (code) => reject(new Error(`the victim exited with ${code} before it was ready`)));
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return {
    port: Number(new URL(ready.address).port),
    address: ready.address,
    protocolId: ready.protocolId,
    get stats() {
      return stats;
    },
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    send: (message) => child.connected && child.send(message),
    stop: () => {
      if (child.connected) child.send({ type: 'exit' });
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      return exited;
    },
  };
}

const protocol = new Protocol('abuse', 'Plaintext');
async function honestPair(victim) {
  const make = () => new SyncSocket({ listen: { host: '127.0.0.1', port: 0 }, protocol, maxOutgoing: 0, log: () => {} });
  const [sender, receiver] = [make(), make()];
  const got = new Set();
  receiver.on('message', (msg) => {
    const tag = msg.packets[1];
    if (typeof tag === 'string' && tag.startsWith('honest ')) got.add(tag);
  });
  for (const sock of [sender, receiver]) {
    sock.on('error', () => {});
    await sock.listening;
    await sock.connect(victim.address);
  }
  return { sender, receiver, got };
}

const waitUntil = async (condition, ms) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return condition();
};

/** The victim's memory in MiB, split so a leak in the JS heap shows apart from held buffers. */
const memorySplit = (stats) => Object.fromEntries(['rss', 'heapUsed', 'external', 'arrayBuffers'].map((k) => [k, +(stats[k] / MiB).toFixed(1)]));

/** One attack on `shared` (the soak's one victim), or on a fresh victim of its own. */
async function run(name, shared) {
  PREPARE[name]?.();
  const victim = shared ?? (await startVictim());
  const honest = await honestPair(victim);
  await waitUntil(() => victim.stats?.peers >= 2, 5_000);
  await new Promise((r) => setTimeout(r, 500)); // settle, then take the baseline
  const base = victim.stats;
  victim.send({ type: 'reset-peak' });
  let sent = 0;
  const ticker = setInterval(() => honest.sender.send(`honest ${sent++}`), 20);
  const started = Date.now();
  const attack = await ATTACKS[name](victim, started + SECONDS * 1000);
  clearInterval(ticker);
  const attackSeconds = (Date.now() - started) / 1000;
  const delivered = (await waitUntil(() => honest.got.size >= sent, SETTLE_MS), honest.got.size);
  await new Promise((r) => setTimeout(r, 300)); // one more stats report
  const end = victim.stats;
  const alive = victim.alive();
  await Promise.all([honest.sender.close(), honest.receiver.close()]);
  if (!shared) await victim.stop();
  return {
    attack: name,
    alive,
    baselineRssMiB: +(base.rss / MiB).toFixed(1),
    peakRssOverBaselineMiB: +((end.peakRss - base.rss) / MiB).toFixed(1),
    cpuSeconds: +((end.cpuMs - base.cpuMs) / 1000).toFixed(2),
    attackSeconds: +attackSeconds.toFixed(1),
    honestDelivery: sent === 0 ? 1 : +(delivered / sent).toFixed(4),
    honestSent: sent,
    attackerConnections: attack.connections,
    attackerCut: attack.cut,
    attackerFrames: attack.sent,
    dropped: Object.fromEntries(Object.entries(end.dropped).map(([kind, n]) => [kind, n - (base.dropped[kind] ?? 0)]).filter(([, n]) => n > 0)),
    readPauses: end.throttled.readPauses - base.throttled.readPauses,
    discardedFrames: end.throttled.discardedFrames - base.throttled.discardedFrames,
    endMemoryMiB: memorySplit(end),
  };
}

const results = [];
const soakUntil = Date.now() + SOAK_MINUTES * 60_000;
// The soak keeps one victim for every round, so what an attack leaves behind (a leak) adds up.
const soakVictim = SOAK_MINUTES > 0 ? await startVictim() : undefined;
const soakStartRss = soakVictim && (await waitUntil(() => soakVictim.stats, 5_000), soakVictim.stats.rss);
do {
  for (const name of chosen) {
    if (!ATTACKS[name]) throw new Error(`no attack ${name}; choose from ${Object.keys(ATTACKS).join(', ')}`);
    if (soakVictim && !soakVictim.alive()) break;
    const result = await run(name, soakVictim);
    results.push(result);
    console.log(
      `${name.padEnd(20)} alive ${String(result.alive).padEnd(5)} rss +${String(result.peakRssOverBaselineMiB).padStart(6)} MiB` +
        `  cpu ${String(result.cpuSeconds).padStart(5)} s / ${result.attackSeconds} s  honest ${result.honestDelivery}` +
        `  attacker frames ${result.attackerFrames}, cut ${result.attackerCut}/${result.attackerConnections}, read paused ${result.readPauses}×` +
        `  dropped ${JSON.stringify(result.dropped)}  end ${JSON.stringify(result.endMemoryMiB)}`,
    );
  }
} while (Date.now() < soakUntil && (!soakVictim || soakVictim.alive()));

/** The soak victim's RSS at the start and the end, and whether it lived through every round. */
let soak;
if (soakVictim) {
  await new Promise((r) => setTimeout(r, 1_000)); // a quiet second before the last reading
  soak = { minutes: SOAK_MINUTES, rounds: results.length, alive: soakVictim.alive(), startRssMiB: +(soakStartRss / MiB).toFixed(1), endRssMiB: +(soakVictim.stats.rss / MiB).toFixed(1), end: memorySplit(soakVictim.stats) };
  console.log(`soak end memory (MiB): ${JSON.stringify(soak.end)}`);
  console.log(`soak: ${soak.rounds} attacks in ${SOAK_MINUTES} min on one victim, alive ${soak.alive}, RSS ${soak.startRssMiB} → ${soak.endRssMiB} MiB`);
  await soakVictim.stop();
}

const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : fileURLToPath(new URL('./results/abuse.json', import.meta.url));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ seconds: SECONDS, soakMinutes: SOAK_MINUTES, soak, results }, null, 2));
/** The bar: RSS within about 100 MiB of the baseline. */
const MAX_RSS_GROWTH_MIB = 100;
const failed = results.filter((r) => !r.alive || r.honestDelivery < 1 || r.peakRssOverBaselineMiB > MAX_RSS_GROWTH_MIB);
if (soak && (!soak.alive || soak.endRssMiB - soak.startRssMiB > MAX_RSS_GROWTH_MIB)) failed.push({ attack: 'soak' });
if (failed.length > 0) {
  console.log(`NOT MET for: ${failed.map((r) => r.attack).join(', ')}`);
  process.exitCode = 1;
}
