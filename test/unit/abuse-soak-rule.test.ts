/**
 * bench:abuse's soak rule (bench/abuse/soak-rule.js), on figures shaped like a real soak's: the first
 * round's rise from a cold start is not judged, a later round's peak over the warm-up end is, and so
 * is live memory after a forced GC, which a leak grows while the RSS stays on its plateau.
 */
import { describe, expect, it } from 'vitest';
import { judgeSoak, type RoundEnd } from '../../bench/abuse/soak-rule.js';

const MiB = 1024 * 1024;
/** A round end: RSS before the GC, and heap/external after it (all in MiB). */
const end = (rss: number, heapUsed: number, external: number, neighbourRss = 90): RoundEnd => {
  const report = (r: number, heap: number, ext: number) => ({ rssBeforeGc: r * MiB, rss: r * MiB, heapUsed: heap * MiB, external: ext * MiB, arrayBuffers: 0 });
  return { victim: report(rss, heapUsed, external), neighbours: [report(neighbourRss, 10, 2), report(neighbourRss, 10, 2)] };
};
const round = (victimPeak: number, neighbourPeak = 100) => ({ victimPeak: victimPeak * MiB, neighbourPeaks: [neighbourPeak * MiB, neighbourPeak * MiB] });

describe('the abuse soak rule', () => {
  it('does not judge the warm-up: 72 → 196 MiB in round one, then flat, passes', () => {
    const verdict = judgeSoak([round(250), round(205), round(201)], end(196, 20, 5), end(197, 22, 6));
    expect(verdict).toMatchObject({ pass: true, failures: [], liveGrowthMiB: 3 });
    expect(verdict.laterRounds.map((r) => r.victimOverWarmupMiB)).toEqual([9, 5]);
  });

  it('fails a later round whose peak is over the warm-up end by more than 100 MiB, the victim’s or a neighbour’s', () => {
    expect(judgeSoak([round(250), round(296)], end(196, 20, 5), end(196, 20, 5)).pass).toBe(true);
    const victim = judgeSoak([round(250), round(200), round(297)], end(196, 20, 5), end(196, 20, 5));
    expect(victim).toMatchObject({ pass: false, failures: ['round 3: victim peak 101 MiB over its warm-up end'] });
    const neighbour = judgeSoak([round(250), round(200, 191)], end(196, 20, 5, 90), end(196, 20, 5, 90));
    expect(neighbour.pass).toBe(false);
    expect(neighbour.failures).toHaveLength(2); // both neighbours
  });

  it('fails a leak that stays under the RSS plateau: live memory after a GC up more than 16 MiB', () => {
    expect(judgeSoak([round(250), round(200)], end(196, 20, 5), end(196, 30, 11)).pass).toBe(true);
    const leak = judgeSoak([round(250), round(200)], end(196, 20, 5), end(196, 30, 12));
    expect(leak).toMatchObject({ pass: false, liveGrowthMiB: 17 });
  });

  it('fails a soak with no round after its warm-up: nothing was judged', () => {
    expect(judgeSoak([round(250)], end(196, 20, 5), end(196, 20, 5))).toMatchObject({ pass: false, failures: ['no round after the warm-up: nothing to judge'] });
  });
});
