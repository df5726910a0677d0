// Types of bench/abuse/soak-rule.js, for its unit test (test/unit/abuse-soak-rule.test.ts).
export const MAX_ROUND_RSS_OVER_WARMUP_MIB: number;
export const MAX_LIVE_GROWTH_MIB: number;
export interface MemoryReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
export interface RoundEnd {
  victim: MemoryReport & { rssBeforeGc: number };
  neighbours: Array<MemoryReport & { rssBeforeGc: number }>;
}
export function liveBytes(stats: MemoryReport): number;
export function judgeSoak(
  rounds: ReadonlyArray<{ victimPeak: number; neighbourPeaks: readonly number[] }>,
  warmupEnd: RoundEnd,
  lastEnd: RoundEnd,
): {
  laterRounds: Array<{ round: number; victimPeakRssMiB: number; victimOverWarmupMiB: number; neighbourPeakRssMiB: number[]; neighboursOverWarmupMiB: number[] }>;
  liveGrowthMiB: number;
  failures: string[];
  pass: boolean;
};
