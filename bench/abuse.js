// bench:abuse — the floods of issue 16 against a victim node in its own process: for each attack,
// the victim's RSS over its baseline (peak), its CPU during the attack, whether it stayed alive,
// the delivery between two honest neighbours linked only through it, each in its own process (one
// broadcasts every 20 ms during the attack; their peak RSS is reported too), what the victim
// dropped (its 'error' events by type and limit), and how often it stopped reading a peer over its
// budget (backpressure: TCP holds the attacker back).
// Usage: node bench/abuse.js [--seconds 5] [--attacks empty-maps,broadcast-flood,…] [--soak <minutes>]
//        [--victim-env KEY=VALUE]… [--unread] [--out <file>]
// --soak repeats every attack in turn for that long (two rounds at least) on one victim and its
// neighbours, and judges the rounds after the first (the warm-up) against the warm-up's end (see
// abuse/soak-rule.js); --out writes the JSON elsewhere than bench/results/abuse.json. Exits 1 when
// an attack kills the victim or a neighbour, costs honest delivery, or grows an RSS by more than
// 100 MiB over its baseline, or when the soak rule fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATTACKS, PREPARE } from './abuse/attacks.js';
import { forkReporting } from './abuse/reporting-process.js';
import { MAX_LIVE_GROWTH_MIB, MAX_ROUND_RSS_OVER_WARMUP_MIB, judgeSoak, liveBytes } from './abuse/soak-rule.js';
import { numberArg } from './lib.js';

const SECONDS = numberArg('seconds', 5);
const SOAK_MINUTES = numberArg('soak', 0);
// --unread: the victim never reads its messages (its recv() queue fills to its caps), the worst case
const UNREAD = process.argv.includes('--unread');
/** --victim-env KEY=VALUE (repeatable): set in the victim's environment, e.g. MALLOC_MMAP_THRESHOLD_=131072 to compare allocators' settings. */
const VICTIM_ENV = Object.fromEntries(
  process.argv.flatMap((arg, i) => {
    if (arg !== '--victim-env') return [];
    const [key, ...value] = (process.argv[i + 1] ?? '').split('=');
    if (!key || value.length === 0) throw new Error(`--victim-env takes KEY=VALUE, not ${process.argv[i + 1]}`);
    return [[key, value.join('=')]];
  }),
);
const chosen = process.argv.includes('--attacks') ? process.argv[process.argv.indexOf('--attacks') + 1].split(',') : Object.keys(ATTACKS);
const MiB = 1024 * 1024;
/** The honest peers wait this long at most for the last of their messages after an attack. */
const SETTLE_MS = 15_000;

/** The victim and its two honest neighbours, each in its own process; the neighbours are linked only through the victim. */
async function startCast() {
  const victim = await forkReporting(new URL('./abuse/victim.js', import.meta.url), [JSON.stringify({}), JSON.stringify({ unread: UNREAD })], { env: VICTIM_ENV });
  victim.port = Number(new URL(victim.address).port);
  const [sender, receiver] = await Promise.all([0, 1].map(() => forkReporting(new URL('./abuse/neighbour.js', import.meta.url), [victim.address])));
  const all = [victim, sender, receiver];
  return { victim, sender, receiver, neighbours: [sender, receiver], all, stop: () => Promise.all(all.map((p) => p.stop())) };
}

const waitUntil = async (condition, ms) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return condition();
};

const mib = (bytes) => +(bytes / MiB).toFixed(1);
/** A process's memory in MiB, split so a leak in the JS heap shows apart from held buffers. */
const memorySplit = (stats) => Object.fromEntries(['rss', 'heapUsed', 'external', 'arrayBuffers'].map((k) => [k, mib(stats[k])]));

/** Asks each of `procs` ({ victim, receiver }, by role) for the honest indexes below `sent` it lacks. */
async function missingAt(procs, sent) {
  const roles = Object.entries(procs);
  const answers = await Promise.all(roles.map(([, p]) => p.ask({ type: 'missing', sent }, 'missing')));
  return Object.fromEntries(roles.map(([role], i) => [role, answers[i].missing]));
}

/** One attack on `shared` (the soak's one cast), or on a fresh cast of its own; `label` tags its honest messages. */
async function run(name, shared, label) {
  PREPARE[name]?.(SECONDS);
  const cast = shared ?? (await startCast());
  const { victim, sender, receiver, neighbours } = cast;
  // (a soak's neighbours stay linked from round to round: if an attack cut one, its delivery shows it)
  await waitUntil(() => victim.stats?.peers >= 2 && neighbours.every((n) => n.stats?.peers >= 1), 5_000);
  await new Promise((r) => setTimeout(r, 500)); // settle, then take the baseline
  const bases = await Promise.all(cast.all.map((p) => p.request('report')));
  const base = bases[0];
  for (const p of cast.all) p.startPeak('attack');
  // the sender starts only once both count the label: a process still busy with the last attack's
  // traffic could read the first new messages before the IPC message that names their label
  await Promise.all([victim, receiver].map((p) => p.ask({ type: 'expect', label }, 'expecting')));
  sender.send({ type: 'tick', label });
  const started = Date.now();
  const attack = await ATTACKS[name](victim, started + SECONDS * 1000);
  const { sent } = await sender.ask({ type: 'stop-tick' }, 'ticked');
  const attackSeconds = (Date.now() - started) / 1000;
  const delivered = (await waitUntil(() => receiver.stats.label === label && receiver.stats.got >= sent, SETTLE_MS), receiver.stats.got);
  const alive = victim.alive();
  // which honest messages did not arrive, and whether the victim had them (lost after it) or not
  const missing = delivered < sent ? await missingAt(alive ? { victim, receiver } : { receiver }, sent) : undefined;
  const end = alive ? await victim.request('report') : victim.stats; // a dead victim's last report
  const neighboursAlive = neighbours.every((n) => n.alive());
  if (!shared) await cast.stop();
  return {
    attack: name,
    alive,
    neighboursAlive,
    baselineRssMiB: +(base.rss / MiB).toFixed(1),
    peakRssOverBaselineMiB: +((victim.peak('attack') - base.rss) / MiB).toFixed(1),
    neighbourPeakRssOverBaselineMiB: neighbours.map((n, i) => +((n.peak('attack') - bases[i + 1].rss) / MiB).toFixed(1)),
    cpuSeconds: +((end.cpuMs - base.cpuMs) / 1000).toFixed(2),
    attackSeconds: +attackSeconds.toFixed(1),
    honestDelivery: sent === 0 ? 1 : +(delivered / sent).toFixed(4),
    honestSent: sent,
    // who is still linked, and what the neighbours reported: says why honest delivery fell short
    links: { victim: end.peers, neighbours: neighbours.map((n) => n.stats?.peers) },
    neighbourErrors: neighbours.map((n) => n.stats?.errors ?? {}),
    missing,
    attackerConnections: attack.connections,
    attackerCut: attack.cut,
    attackerFrames: attack.sent,
    dropped: Object.fromEntries(Object.entries(end.dropped).map(([kind, n]) => [kind, n - (base.dropped[kind] ?? 0)]).filter(([, n]) => n > 0)),
    readPauses: end.throttled.readPauses - base.throttled.readPauses,
    discardedFrames: end.throttled.discardedFrames - base.throttled.discardedFrames,
    skippedRelays: end.throttled.skippedRelays - base.throttled.skippedRelays,
    endMemoryMiB: memorySplit(end),
  };
}

/** A process's RSS at the end of a round, then its memory after a forced GC (the soak's live-memory measure). */
async function roundEnd(proc) {
  const { rss } = await proc.request('report');
  return { rssBeforeGc: rss, ...(await proc.request('gc')) };
}

const results = [];
const soakUntil = Date.now() + SOAK_MINUTES * 60_000;
// The soak keeps one cast for every round, so what an attack leaves behind (a leak) adds up.
const soakCast = SOAK_MINUTES > 0 ? await startCast() : undefined;
const castAlive = () => soakCast.all.every((p) => p.alive());
/** Per round: the peaks (bytes) and the round-end readings of the soak's processes, the first round being the warm-up. */
const rounds = [];
let cold;
if (soakCast) {
  await waitUntil(() => soakCast.victim.stats?.peers >= 2, 5_000);
  cold = await Promise.all(soakCast.all.map((p) => p.request('report')));
  console.log(`soak cold start (before any attack): victim ${mib(cold[0].rss)} MiB RSS, neighbours ${cold.slice(1).map((r) => mib(r.rss)).join(' / ')} MiB` + (Object.keys(VICTIM_ENV).length ? `; victim env ${JSON.stringify(VICTIM_ENV)}` : ''));
}
do {
  soakCast?.all.forEach((p) => p.startPeak('round'));
  for (const name of chosen) {
    if (!ATTACKS[name]) throw new Error(`no attack ${name}; choose from ${Object.keys(ATTACKS).join(', ')}`);
    if (soakCast && !castAlive()) break;
    const result = await run(name, soakCast, `${results.length}`);
    results.push(result);
    console.log(
      `${name.padEnd(20)} alive ${String(result.alive && result.neighboursAlive).padEnd(5)} rss +${String(result.peakRssOverBaselineMiB).padStart(6)} MiB` +
        ` (neighbours +${result.neighbourPeakRssOverBaselineMiB.join(' / +')})` +
        `  cpu ${String(result.cpuSeconds).padStart(5)} s / ${result.attackSeconds} s  honest ${result.honestDelivery}` +
        `  attacker frames ${result.attackerFrames}, cut ${result.attackerCut}/${result.attackerConnections}, read paused ${result.readPauses}×` +
        `  dropped ${JSON.stringify(result.dropped)}  end ${JSON.stringify(result.endMemoryMiB)}` +
        (result.honestDelivery < 1
          ? `  links: victim ${result.links.victim}, neighbours ${result.links.neighbours.join(' / ')}; neighbour errors ${JSON.stringify(result.neighbourErrors)}; missing ${JSON.stringify(result.missing)}; victim skipped relays ${result.skippedRelays}`
          : ''),
    );
  }
  if (soakCast && castAlive()) {
    const [victim, ...neighbours] = await Promise.all(soakCast.all.map(roundEnd));
    rounds.push({ victimPeak: soakCast.victim.peak('round'), neighbourPeaks: soakCast.neighbours.map((n) => n.peak('round')), end: { victim, neighbours } });
    console.log(
      `round ${rounds.length}${rounds.length === 1 ? ' (warm-up)' : ''}: victim peak ${mib(rounds.at(-1).victimPeak)} MiB, end ${mib(victim.rssBeforeGc)} MiB` +
        ` (after a GC ${mib(victim.rss)} MiB, live ${mib(liveBytes(victim))} MiB: ${JSON.stringify(memorySplit(victim))});` +
        ` neighbours peak ${rounds.at(-1).neighbourPeaks.map(mib).join(' / ')} MiB, end ${neighbours.map((n) => mib(n.rssBeforeGc)).join(' / ')} MiB`,
    );
  }
  // at least the warm-up and one round after it, so the soak rule has a round to judge
} while (soakCast && castAlive() && (Date.now() < soakUntil || rounds.length < 2));

/** The soak's figures: cold start, warm-up end, each later round's peaks over the warm-up end, and the live growth. */
let soak;
if (soakCast) {
  const [warmup, last] = [rounds[0], rounds.at(-1)];
  const judged = warmup ? judgeSoak(rounds, warmup.end, last.end) : { laterRounds: [], failures: ['the victim died in its warm-up'], pass: false };
  soak = {
    minutes: SOAK_MINUTES,
    rounds: rounds.length,
    attacks: results.length,
    alive: castAlive(),
    victimEnv: VICTIM_ENV,
    limits: { maxRoundRssOverWarmupMiB: MAX_ROUND_RSS_OVER_WARMUP_MIB, maxLiveGrowthMiB: MAX_LIVE_GROWTH_MIB },
    cold: { victimRssMiB: mib(cold[0].rss), neighbourRssMiB: cold.slice(1).map((r) => mib(r.rss)), victim: memorySplit(cold[0]) },
    roundEnds: rounds.map(({ victimPeak, neighbourPeaks, end }, i) => ({
      round: i + 1,
      victimPeakRssMiB: mib(victimPeak),
      victimEndRssMiB: mib(end.victim.rssBeforeGc),
      victimAfterGcMiB: { ...memorySplit(end.victim), live: mib(liveBytes(end.victim)) },
      neighbourPeakRssMiB: neighbourPeaks.map(mib),
      neighbourEndRssMiB: end.neighbours.map((n) => mib(n.rssBeforeGc)),
    })),
    laterRounds: judged.laterRounds,
    liveGrowthMiB: judged.liveGrowthMiB,
    pass: judged.pass && castAlive(),
    failures: judged.failures,
  };
  const later = judged.laterRounds;
  console.log(
    `soak: ${soak.rounds} rounds (${soak.attacks} attacks) in ${SOAK_MINUTES} min on one victim, alive ${soak.alive};` +
      ` cold ${soak.cold.victimRssMiB} MiB → warm-up end ${soak.roundEnds[0]?.victimEndRssMiB} MiB;` +
      ` later peaks over the warm-up end: victim ${later.map((r) => r.victimOverWarmupMiB).join(', ')} MiB, neighbours ${later.map((r) => r.neighboursOverWarmupMiB.join(' / ')).join(', ')} MiB` +
      ` (limit ${MAX_ROUND_RSS_OVER_WARMUP_MIB}); live growth ${soak.liveGrowthMiB} MiB (limit ${MAX_LIVE_GROWTH_MIB}): ${soak.pass ? 'pass' : `FAIL (${soak.failures.join('; ')})`}`,
  );
  await soakCast.stop();
}

const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : fileURLToPath(new URL('./results/abuse.json', import.meta.url));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ seconds: SECONDS, soakMinutes: SOAK_MINUTES, soak, results }, null, 2));
/** The issue's bar for one attack: RSS within about 100 MiB of the baseline taken just before it. */
const MAX_RSS_GROWTH_MIB = 100;
const failed = results.filter(
  (r) => !r.alive || !r.neighboursAlive || r.honestDelivery < 1 || [r.peakRssOverBaselineMiB, ...r.neighbourPeakRssOverBaselineMiB].some((over) => over > MAX_RSS_GROWTH_MIB),
);
if (soak && !soak.pass) failed.push({ attack: 'soak' });
if (failed.length > 0) {
  console.log(`NOT MET for: ${failed.map((r) => r.attack).join(', ')}`);
  process.exitCode = 1;
}
