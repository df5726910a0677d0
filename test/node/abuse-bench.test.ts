/**
 * bench:abuse as a short soak: three of its attacks for half a second each, one after the other, in
 * two rounds against one victim in its own process, with its two honest neighbours in theirs (--soak
 * keeps them for every round; the full run and the hour-long soak are by hand: npm run bench:abuse
 * [-- --soak 60]). The first round is the warm-up; the second is judged against its end: peak RSS
 * within 100 MiB, live memory after a forced GC within 16 MiB. The bench exits 1 when the victim or
 * a neighbour dies, an honest message is lost, an RSS grows over 100 MiB in an attack, or the soak
 * rule fails.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('one victim survives an empty-map frame, a compression bomb and a broadcast flood in turn, twice, dropping the attacker, without growing after its warm-up', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'abuse-')), 'abuse.json');
  // --soak 0.01 minutes: over before the first round ends, so the soak's minimum of two rounds (the warm-up and one judged)
  const args = ['bench/abuse.js', '--seconds', '0.5', '--soak', '0.01', '--attacks', 'empty-maps,compression-bomb,broadcast-flood', '--out', out];
  const code = await new Promise<number>((resolve) => execFile(process.execPath, args, { timeout: 90_000 }, (error) => resolve(error ? Number(error.code ?? 1) : 0)));
  const { results, soak } = JSON.parse(readFileSync(out, 'utf8')) as {
    results: Array<{ attack: string; alive: boolean; neighboursAlive: boolean; honestDelivery: number; dropped: Record<string, number> }>;
    soak: {
      alive: boolean;
      rounds: number;
      pass: boolean;
      cold: { victimRssMiB: number };
      roundEnds: Array<{ victimEndRssMiB: number; victimAfterGcMiB: { live: number } }>;
      laterRounds: Array<{ victimOverWarmupMiB: number; neighbourPeakRssMiB: number[] }>;
      liveGrowthMiB: number;
    };
  };
  expect(soak).toMatchObject({ alive: true, rounds: 2, pass: true });
  // the figures the rule judged were read from the processes, not left out
  expect(soak.cold.victimRssMiB).toBeGreaterThan(0);
  expect(soak.roundEnds.map((r) => r.victimAfterGcMiB.live > 0 && r.victimEndRssMiB > 0)).toEqual([true, true]);
  expect(soak.laterRounds).toHaveLength(1);
  expect(soak.laterRounds[0]!.victimOverWarmupMiB).toBeLessThanOrEqual(100);
  expect(soak.laterRounds[0]!.neighbourPeakRssMiB).toHaveLength(2);
  expect(soak.liveGrowthMiB).toBeLessThanOrEqual(16);
  const round = [
    ['empty-maps', true, true, 1],
    ['compression-bomb', true, true, 1],
    ['broadcast-flood', true, true, 1],
  ];
  expect(results.map((r) => [r.attack, r.alive, r.neighboursAlive, r.honestDelivery])).toEqual([...round, ...round]);
  for (const r of [results[0]!, results[3]!]) expect(r.dropped.DecodeCostError).toBeGreaterThan(0);
  for (const r of [results[1]!, results[4]!]) expect(r.dropped.InflateRatioError).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 120_000);
